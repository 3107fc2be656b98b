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

  /** The v1 API's can_share: the member may share the image further. */
  @Column({ name: 'can_share', type: 'boolean', default: false })
  canShare!: boolean;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime' })
  updatedAt!: Date;
}
