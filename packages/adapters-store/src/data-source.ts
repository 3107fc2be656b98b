import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** Limit for opening a connection to MySQL or MariaDB, in milliseconds. */
const MYSQL_CONNECT_TIMEOUT_MS = 3000;

/**
 * Builds TypeORM options from a database URL: `sqlite:///abs/path.db`,
 * `sqlite:relative/path.db` or `mysql://user:pass@host:port/db` (MariaDB too).
 */
export function dataSourceOptions(url: string): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, logging: false };
  if (url.startsWith('sqlite:')) {
    const file = url.replace(/^sqlite:(\/\/)?/, '');
    return {
      ...common,
      type: 'better-sqlite3',
      database: file,
      enableWAL: true,
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('busy_timeout = 5000');
        db.pragma('synchronous = NORMAL');
      },
    };
  }
  if (url.startsWith('mysql:') || url.startsWith('mariadb:')) {
    return {
      ...common,
      type: 'mysql',
      url: url.replace(/^mariadb:/, 'mysql:'),
      timezone: 'Z',
      charset: 'utf8mb4_bin',
      // Fails a request within seconds while the server is unreachable,
      // instead of waiting for the operating system's TCP timeout.
      connectTimeout: MYSQL_CONNECT_TIMEOUT_MS,
      // NOTE: mysql2 3.25's pool has no acquire timeout, so when all
      // connections are busy a request waits in the pool's queue.
      extra: { connectionLimit: 10, enableKeepAlive: true },
    };
  }
  throw new Error(`Unsupported database URL '${url}': expected sqlite:PATH or mysql://...`);
}

export function createDataSource(url: string): DataSource {
  return new DataSource(dataSourceOptions(url));
}

export function isSqlite(dataSource: DataSource): boolean {
  return dataSource.options.type === 'better-sqlite3';
}

/**
 * Lets SQLite gather the table statistics that its query planner uses
 * (`PRAGMA optimize`, which runs ANALYZE where statistics are missing or
 * stale, with a bounded sample per index). Without them the planner assumes
 * that an equality on any indexed column matches a few rows, so a listing
 * filtered on status and sorted by name sorts every active image instead of
 * walking the name index. `firstRun` also considers the tables that this
 * connection has not read yet. MySQL keeps its own statistics.
 */
export async function optimizeQueryPlans(dataSource: DataSource, firstRun: boolean): Promise<void> {
  if (!isSqlite(dataSource)) return;
  await dataSource.query(firstRun ? 'PRAGMA optimize=0x10002' : 'PRAGMA optimize');
}
