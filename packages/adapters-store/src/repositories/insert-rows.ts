import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Inserts entity rows with one multi-row INSERT of every column. Values are
 * converted by the driver as TypeORM converts them, but unlike
 * `EntityManager.insert` no query builder runs and no SELECT reads the
 * columns' defaults back afterwards.
 */
export async function insertRows<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  rows: readonly T[],
): Promise<void> {
  if (rows.length === 0) return;
  const metadata = manager.connection.getMetadata(target);
  const driver = manager.connection.driver;
  const columns = metadata.columns;
  const names = columns.map((column) => driver.escape(column.databaseName)).join(', ');
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  const values: unknown[] = [];
  for (const row of rows) {
    for (const column of columns) {
      values.push(driver.preparePersistentValue(row[column.propertyName], column) ?? null);
    }
  }
  await manager.query(
    `INSERT INTO ${driver.escape(metadata.tableName)} (${names}) VALUES ${rows.map(() => placeholders).join(', ')}`,
    values,
  );
}
