import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Widens the task columns on MySQL and MariaDB, where the first schema lost
 * data that SQLite keeps. DATETIME without a precision drops milliseconds
 * (so a task expired up to a second early and tasks of one second sorted by
 * id), and TEXT rejects more than 64 KiB of JSON or message. DATETIME(3)
 * keeps milliseconds and MEDIUMTEXT holds up to 16 MiB.
 */
export class WidenTaskColumns1796700000000 implements MigrationInterface {
  name = 'WidenTaskColumns1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'mysql') return;
    await queryRunner.query(
      'ALTER TABLE `tasks` ' +
        'MODIFY `input` MEDIUMTEXT NULL, ' +
        'MODIFY `result` MEDIUMTEXT NULL, ' +
        'MODIFY `message` MEDIUMTEXT NOT NULL, ' +
        'MODIFY `expires_at` DATETIME(3) NULL, ' +
        'MODIFY `created_at` DATETIME(3) NOT NULL, ' +
        'MODIFY `updated_at` DATETIME(3) NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'mysql') return;
    // NOTE: this fails on rows whose text no longer fits in TEXT.
    await queryRunner.query(
      'ALTER TABLE `tasks` ' +
        'MODIFY `input` TEXT NULL, ' +
        'MODIFY `result` TEXT NULL, ' +
        'MODIFY `message` TEXT NOT NULL, ' +
        'MODIFY `expires_at` DATETIME NULL, ' +
        'MODIFY `created_at` DATETIME NOT NULL, ' +
        'MODIFY `updated_at` DATETIME NOT NULL',
    );
  }
}
