import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * Indexes for listings that the initial schema left to a sort or a scan: the
 * name sort (with its created_at and id tiebreakers) and the custom property
 * filter, which matches on name and value together.
 */
export class AddListingIndexes1796400000001 implements MigrationInterface {
  name = 'AddListingIndexes1796400000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'images',
      new TableIndex({
        name: 'ix_images_deleted_name_created',
        columnNames: ['deleted', 'name', 'created_at', 'id'],
      }),
    );
    // MySQL and MariaDB index a TEXT column only by a prefix, which the
    // Table API cannot express.
    if (queryRunner.connection.options.type === 'mysql') {
      await queryRunner.query(
        'CREATE INDEX ix_image_properties_name_value ON image_properties (name, value(255))',
      );
    } else {
      await queryRunner.createIndex(
        'image_properties',
        new TableIndex({ name: 'ix_image_properties_name_value', columnNames: ['name', 'value'] }),
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('image_properties', 'ix_image_properties_name_value');
    await queryRunner.dropIndex('images', 'ix_images_deleted_name_created');
  }
}
