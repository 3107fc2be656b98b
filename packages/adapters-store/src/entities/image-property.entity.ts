import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'image_properties' })
@Index('ix_image_properties_name', ['name'])
export class ImagePropertyRow {
  @PrimaryColumn({ name: 'image_id', type: 'varchar', length: 36 })
  imageId!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  value!: string | null;
}
