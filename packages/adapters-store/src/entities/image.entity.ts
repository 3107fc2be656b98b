import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Stores bigint columns as numbers: MySQL drivers return them as strings. */
export const bigintAsNumber = {
  to: (value: number | null): number | null => value,
  from: (value: string | number | null): number | null => (value === null ? null : Number(value)),
};

@Entity({ name: 'images' })
@Index('ix_images_deleted_created', ['deleted', 'createdAt', 'id'])
@Index('ix_images_owner', ['owner'])
@Index('ix_images_name', ['name'])
@Index('ix_images_status', ['status'])
@Index('ix_images_visibility', ['visibility'])
@Index('ix_images_deleted_name_created', ['deleted', 'name', 'createdAt', 'id'])
export class ImageRow {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  name!: string | null;

  @Column({ type: 'varchar', length: 30 })
  status!: string;

  @Column({ type: 'varchar', length: 20 })
  visibility!: string;

  @Column({ type: 'boolean', default: false })
  protected!: boolean;

  @Column({ name: 'os_hidden', type: 'boolean', default: false })
  osHidden!: boolean;

  @Column({ type: 'varchar', length: 32, nullable: true })
  checksum!: string | null;

  @Column({ name: 'os_hash_algo', type: 'varchar', length: 64, nullable: true })
  osHashAlgo!: string | null;

  @Column({ name: 'os_hash_value', type: 'varchar', length: 128, nullable: true })
  osHashValue!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  owner!: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  size!: number | null;

  @Column({ name: 'virtual_size', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  virtualSize!: number | null;

  @Column({ name: 'container_format', type: 'varchar', length: 32, nullable: true })
  containerFormat!: string | null;

  @Column({ name: 'disk_format', type: 'varchar', length: 32, nullable: true })
  diskFormat!: string | null;

  @Column({ name: 'min_ram', type: 'int', default: 0 })
  minRam!: number;

  @Column({ name: 'min_disk', type: 'int', default: 0 })
  minDisk!: number;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime' })
  updatedAt!: Date;

  @Column({ type: 'boolean', default: false })
  deleted!: boolean;

  @Column({ name: 'deleted_at', type: 'datetime', nullable: true })
  deletedAt!: Date | null;

  /** Incremented by every update; conditional updates compare it. */
  @Column({ type: 'int', default: 0 })
  revision!: number;

  /** JSON array of `{url, metadata}`. */
  @Column({ type: 'text' })
  locations!: string;
}
