import { Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'image_tags' })
@Index('ix_image_tags_value', ['value'])
export class ImageTagRow {
  @PrimaryColumn({ name: 'image_id', type: 'varchar', length: 36 })
  imageId!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  value!: string;
}
