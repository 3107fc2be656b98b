import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['images', 'image_properties', 'image_tags', 'image_members', 'tasks'];

/**
 * Gives every table on MySQL and MariaDB the utf8mb4 character set with
 * binary collation, whatever the database's default: names and tags may be
 * any Unicode text, and Glance compares them case-sensitively (tags `A` and
 * `a` are two tags). SQLite already stores UTF-8 and compares bytes.
 */
export class UseUtf8mb4Binary1796600000000 implements MigrationInterface {
  name = 'UseUtf8mb4Binary1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'mysql') return;
    for (const table of TABLES) {
      await queryRunner.query(`ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    }
  }

  async down(): Promise<void> {
    // The previous character set is not recorded, so there is nothing to restore.
  }
}
