import { Logger } from '@iris/adapters-http';
import { DataDirectory, FilesystemDataStore, isSqlite, optimizeQueryPlans } from '@iris/adapters-store';
import { Clock, ImageDataStore, ImageRepository, ImportService } from '@iris/domain';
import { Express } from 'express';
import { Container } from 'inversify';
import { createServer, Server } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { AddressInfo, createServer as createNetServer } from 'node:net';
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

/** How often a serving process refreshes SQLite's query planner statistics (hourly, as SQLite advises). */
const OPTIMIZE_INTERVAL_MS = 60 * 60 * 1000;

/** Start-up options of startServer. */
export interface StartOptions {
  /**
   * Whether startServer first runs the steps of prepareDataDirectory (true
   * by default). Cluster workers pass false, since their primary ran them.
   */
  recover?: boolean;
  /** Message of the log line once the server listens, `server listening` by default. */
  listeningMessage?: string;
}

/**
 * Opens the database and starts listening. Unless `options.recover` is
 * false, it first runs the steps of prepareDataDirectory: it migrates the
 * embedded SQLite database and recovers interrupted uploads and imports.
 */
export async function startServer(
  config: IrisConfig,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningServer> {
  if (options.recover ?? true) await ensurePortFree(config);
  await mkdir(config.dataDir, { recursive: true });
  const container = buildContainer(config, logger);
  const dataSource = container.get<DataSource>(TOKENS.DataSource);
  await dataSource.initialize();
  const dataStore = container.get(ImageDataStore) as FilesystemDataStore;
  if (options.recover ?? true) await runPreparation(container, config, logger);
  else await dataStore.init();
  const imports = container.get<ImportService>(IMPORT_TOKENS.ImportService);

  const server = await listen(container.get<Express>(TOKENS.HttpApp), config);
  const optimizer = setInterval(() => {
    optimizeQueryPlans(dataSource, false).catch((error: unknown) => {
      logger.warn({ err: error }, 'updating the query planner statistics failed');
    });
  }, OPTIMIZE_INTERVAL_MS);
  optimizer.unref();
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  if (config.auth === 'noauth') {
    logger.warn({ auth: 'noauth' }, 'requests are NOT authenticated: identity headers are trusted and a request without them acts as admin');
  } else {
    logger.info({ auth: 'keystone', keystone_url: config.keystoneUrl }, 'requests are authenticated with Keystone tokens');
  }
  if (config.policyFile !== '') logger.info({ policy_file: config.policyFile }, 'policy rules read from file');
  logger.info(
    { url, database: redact(config.databaseUrl), data_dir: config.dataDir },
    options.listeningMessage ?? 'server listening',
  );

  return {
    server,
    url,
    dataSource,
    close: async () => {
      clearInterval(optimizer);
      await waitForImports(imports, config.shutdownTimeoutMs, logger);
      await closeServer(server, dataSource, config.shutdownTimeoutMs, logger);
      await dataStore.close();
    },
  };
}

/**
 * Runs what start-up does once per data directory before any process
 * serves it. It applies the SQLite migrations (or rejects a MariaDB database
 * with pending ones), creates the data store's folders, and recovers the
 * uploads and imports that a stopped process left unfinished. Then it closes
 * the database and the data store's worker threads again.
 */
export async function prepareDataDirectory(config: IrisConfig, logger: Logger): Promise<void> {
  await ensurePortFree(config);
  await mkdir(config.dataDir, { recursive: true });
  const container = buildContainer(config, logger);
  const dataSource = container.get<DataSource>(TOKENS.DataSource);
  const dataStore = container.get(ImageDataStore) as FilesystemDataStore;
  await dataSource.initialize();
  try {
    await runPreparation(container, config, logger);
  } finally {
    await dataStore.close();
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

/** Runs the steps of prepareDataDirectory with a container whose database is open. */
async function runPreparation(container: Container, config: IrisConfig, logger: Logger): Promise<void> {
  const dataSource = container.get<DataSource>(TOKENS.DataSource);
  if (isSqlite(dataSource)) {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) logger.info({ migration: migration.name }, 'database migration applied');
    await optimizeQueryPlans(dataSource, true);
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
}

/**
 * Fails when the configured port is taken, before start-up recovery runs.
 * Otherwise a second server started by mistake on the same port and data
 * folder would requeue the running server's uploads and delete their
 * partial files, and only then fail to listen.
 *
 * NOTE: a second server on another port with the same data folder is not
 * detected.
 */
async function ensurePortFree(config: IrisConfig): Promise<void> {
  if (config.port === 0) return;
  const probe = createNetServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `cannot listen on ${config.host}:${config.port} (${code ?? String(error)}); ` +
        'nothing was recovered or migrated. Is another server running there?',
      { cause: error },
    );
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

async function listen(app: Express, config: IrisConfig): Promise<Server> {
  const server = createServer({ requestTimeout: 0, headersTimeout: 60_000 }, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  return server;
}

/** Closes a running server as SIGTERM does and exits the process: 0 once closed, 1 when closing failed. */
export function closeAndExit(running: RunningServer, logger: Logger): void {
  running.close().then(
    () => {
      logger.info({}, 'stopped');
      process.exit(0);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
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
