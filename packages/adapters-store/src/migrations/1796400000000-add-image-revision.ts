import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * A counter that every image update increments, so that a conditional update
 * can detect any write since the read. updated_at cannot, because MariaDB
 * stores it to the second. Existing images start at 0.
 */
export class AddImageRevision1796400000000 implements MigrationInterface {
  name = 'AddImageRevision1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'images',
      new TableColumn({ name: 'revision', type: 'int', default: 0 }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('images', 'revision');
  }
}
