import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** The v1 API's can_share flag of image memberships; existing members get false. */
export class AddMemberCanShare1796365204176 implements MigrationInterface {
  name = 'AddMemberCanShare1796365204176';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'image_members',
      new TableColumn({ name: 'can_share', type: 'boolean', default: false }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('image_members', 'can_share');
  }
}
