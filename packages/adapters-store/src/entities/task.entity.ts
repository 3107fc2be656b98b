import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A task. On MySQL and MariaDB the text columns are MEDIUMTEXT and the times
 * DATETIME(3), as the WidenTaskColumns migration sets them.
 */
@Entity({ name: 'tasks' })
@Index('ix_tasks_image', ['imageId'])
@Index('ix_tasks_status', ['status'])
export class TaskRow {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 30 })
  type!: string;

  @Column({ type: 'varchar', length: 30 })
  status!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  owner!: string | null;

  /** JSON of the task input, or null. */
  @Column({ type: 'text', nullable: true })
  input!: string | null;

  /** JSON of the task result, or null. */
  @Column({ type: 'text', nullable: true })
  result!: string | null;

  @Column({ type: 'text' })
  message!: string;

  @Column({ name: 'image_id', type: 'varchar', length: 36, nullable: true })
  imageId!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true })
  requestId!: string | null;

  @Column({ name: 'user_id', type: 'varchar', length: 64, nullable: true })
  userId!: string | null;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3, nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @Column({ type: 'boolean', default: false })
  deleted!: boolean;
}
