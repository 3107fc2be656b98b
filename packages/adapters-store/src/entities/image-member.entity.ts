import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'image_members' })
@Index('ix_image_members_member', ['member', 'status'])
export class ImageMemberRow {
  @PrimaryColumn({ name: 'image_id', type: 'varchar', length: 36 })
  imageId!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  member!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: string;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime' })
  updatedAt!: Date;
}
