import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Tasks of the tasks API and of image imports. */
export class AddTasks1796500000000 implements MigrationInterface {
  name = 'AddTasks1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'tasks',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'type', type: 'varchar', length: '30' },
          { name: 'status', type: 'varchar', length: '30' },
          { name: 'owner', type: 'varchar', length: '255', isNullable: true },
          { name: 'input', type: 'text', isNullable: true },
          { name: 'result', type: 'text', isNullable: true },
          { name: 'message', type: 'text' },
          { name: 'image_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'request_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'expires_at', type: 'datetime', isNullable: true },
          { name: 'created_at', type: 'datetime' },
          { name: 'updated_at', type: 'datetime' },
          { name: 'deleted', type: 'boolean', default: false },
        ],
        indices: [
          new TableIndex({ name: 'ix_tasks_image', columnNames: ['image_id'] }),
          new TableIndex({ name: 'ix_tasks_status', columnNames: ['status'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('tasks');
  }
}
