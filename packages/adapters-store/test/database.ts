import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from '../src';

/** A migrated, empty database for one test file, and how to throw it away. */
export interface TestDatabase {
  name: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

/**
 * Returns the databases the contract suites run on: always SQLite, and
 * MariaDB when IRIS_TEST_MYSQL_URL names a server. CI must set that URL, so a
 * missing one fails there instead of skipping the MariaDB half silently.
 */
export function testDatabaseKinds(): string[] {
  const kinds = ['sqlite'];
  if (process.env.IRIS_TEST_MYSQL_URL) kinds.push('mariadb');
  else if (process.env.CI === 'true') {
    throw new Error('IRIS_TEST_MYSQL_URL is not set: CI must run the repository tests on MariaDB too');
  }
  return kinds;
}

export async function openTestDatabase(kind: string): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(path.join(tmpdir(), 'iris-store-'));
    const dataSource = createDataSource(`sqlite:${path.join(dir, 'test.sqlite')}`);
    await dataSource.initialize();
    await dataSource.runMigrations();
    return {
      name: 'SQLite',
      dataSource,
      drop: async () => {
        await dataSource.destroy();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  return openMariaDb(String(process.env.IRIS_TEST_MYSQL_URL));
}

/** Creates a database of its own on the server, so that test files can run in parallel. */
async function openMariaDb(serverUrl: string): Promise<TestDatabase> {
  const url = new URL(serverUrl);
  const database = `iris_test_${randomBytes(4).toString('hex')}`;
  const admin = createDataSource(serverUrl);
  await admin.initialize();
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.destroy();

  url.pathname = `/${database}`;
  const dataSource = createDataSource(url.toString());
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    name: 'MariaDB',
    dataSource,
    drop: async () => {
      await dataSource.query(`DROP DATABASE \`${database}\``);
      await dataSource.destroy();
    },
  };
}
