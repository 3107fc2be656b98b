import { Logger } from '@iris/adapters-http';
import { DataDirectory, FilesystemDataStore, isSqlite } from '@iris/adapters-store';
import { Clock, ImageDataStore, ImageRepository, ImportService } from '@iris/domain';
import { Express } from 'express';
import { createServer, Server } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { IrisConfig } from './config';
import { buildContainer, imagesDirectory, TOKENS } from './container';
import { recoverInterruptedUploads } from './store-maintenance';
import { IMPORT_TOKENS, recoverInterruptedImports, waitForImports } from './import-wiring';

export interface RunningServer {
  server: Server;
  url: string;
  dataSource: DataSource;
  /**
   * Stops accepting, waits for in-flight requests (bounded), closes the
   * database and the data store's worker threads.
   */
  close(): Promise<void>;
}

/** Opens the database (migrating the embedded SQLite one) and starts listening. */
export async function startServer(config: IrisConfig, logger: Logger): Promise<RunningServer> {
  await mkdir(config.dataDir, { recursive: true });
  const container = buildContainer(config, logger);
  const dataSource = container.get<DataSource>(TOKENS.DataSource);
  await dataSource.initialize();
  if (isSqlite(dataSource)) {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) logger.info({ migration: migration.name }, 'database migration applied');
  } else if (await dataSource.showMigrations()) {
    await dataSource.destroy();
    throw new Error(
      `database ${redact(config.databaseUrl)} has pending migrations: run 'npm run manage -- db sync' first`,
    );
  }
  const dataStore = container.get(ImageDataStore) as FilesystemDataStore;
  await dataStore.init();
  await recoverInterruptedUploads(
    container.get(ImageRepository),
    container.get(Clock),
    new DataDirectory(imagesDirectory(config)),
    logger,
  );
  const imports = container.get<ImportService>(IMPORT_TOKENS.ImportService);
  await recoverInterruptedImports(imports, logger);

  const app = container.get<Express>(TOKENS.HttpApp);
  const server = createServer({ requestTimeout: 0, headersTimeout: 60_000 }, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  if (config.auth === 'noauth') {
    logger.warn({ auth: 'noauth' }, 'requests are NOT authenticated: identity headers are trusted and a request without them acts as admin');
  } else {
    logger.info({ auth: 'keystone', keystone_url: config.keystoneUrl }, 'requests are authenticated with Keystone tokens');
  }
  if (config.policyFile !== '') logger.info({ policy_file: config.policyFile }, 'policy rules read from file');
  logger.info({ url, database: redact(config.databaseUrl), data_dir: config.dataDir }, 'server listening');

  return {
    server,
    url,
    dataSource,
    close: async () => {
      await waitForImports(imports, config.shutdownTimeoutMs, logger);
      await closeServer(server, dataSource, config.shutdownTimeoutMs, logger);
      await dataStore.close();
    },
  };
}

async function closeServer(server: Server, dataSource: DataSource, timeoutMs: number, logger: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => {
    logger.warn({ timeout_ms: timeoutMs }, 'in-flight requests did not finish in time; closing their connections');
    server.closeAllConnections();
  }, timeoutMs);
  await closed;
  clearTimeout(timer);
  if (dataSource.isInitialized) await dataSource.destroy();
}

/** Hides the password in a database URL for logging. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
