import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Images, their custom properties, tags and memberships. */
export class InitialSchema1764800000000 implements MigrationInterface {
  name = 'InitialSchema1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'images',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '255', isNullable: true },
          { name: 'status', type: 'varchar', length: '30' },
          { name: 'visibility', type: 'varchar', length: '20' },
          { name: 'protected', type: 'boolean', default: false },
          { name: 'os_hidden', type: 'boolean', default: false },
          { name: 'checksum', type: 'varchar', length: '32', isNullable: true },
          { name: 'os_hash_algo', type: 'varchar', length: '64', isNullable: true },
          { name: 'os_hash_value', type: 'varchar', length: '128', isNullable: true },
          { name: 'owner', type: 'varchar', length: '255', isNullable: true },
          { name: 'size', type: 'bigint', isNullable: true },
          { name: 'virtual_size', type: 'bigint', isNullable: true },
          { name: 'container_format', type: 'varchar', length: '32', isNullable: true },
          { name: 'disk_format', type: 'varchar', length: '32', isNullable: true },
          { name: 'min_ram', type: 'int', default: 0 },
          { name: 'min_disk', type: 'int', default: 0 },
          { name: 'created_at', type: 'datetime' },
          { name: 'updated_at', type: 'datetime' },
          { name: 'deleted', type: 'boolean', default: false },
          { name: 'deleted_at', type: 'datetime', isNullable: true },
          { name: 'locations', type: 'text' },
        ],
        indices: [
          new TableIndex({ name: 'ix_images_deleted_created', columnNames: ['deleted', 'created_at', 'id'] }),
          new TableIndex({ name: 'ix_images_owner', columnNames: ['owner'] }),
          new TableIndex({ name: 'ix_images_name', columnNames: ['name'] }),
          new TableIndex({ name: 'ix_images_status', columnNames: ['status'] }),
          new TableIndex({ name: 'ix_images_visibility', columnNames: ['visibility'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'image_properties',
        columns: [
          { name: 'image_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '255', isPrimary: true },
          { name: 'value', type: 'text', isNullable: true },
        ],
        indices: [new TableIndex({ name: 'ix_image_properties_name', columnNames: ['name'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'image_tags',
        columns: [
          { name: 'image_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'value', type: 'varchar', length: '255', isPrimary: true },
        ],
        indices: [new TableIndex({ name: 'ix_image_tags_value', columnNames: ['value'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'image_members',
        columns: [
          { name: 'image_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'member', type: 'varchar', length: '255', isPrimary: true },
          { name: 'status', type: 'varchar', length: '20' },
          { name: 'created_at', type: 'datetime' },
          { name: 'updated_at', type: 'datetime' },
        ],
        indices: [
          new TableIndex({ name: 'ix_image_members_member', columnNames: ['member', 'status'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('image_members');
    await queryRunner.dropTable('image_tags');
    await queryRunner.dropTable('image_properties');
    await queryRunner.dropTable('images');
  }
}
