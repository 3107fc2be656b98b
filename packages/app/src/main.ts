import { Logger } from '@iris/adapters-http';
import cluster from 'node:cluster';
import { runPrimary } from './cluster-primary';
import { runWorker } from './cluster-worker';
import { IrisConfig, loadConfig } from './config';
import { createLogger } from './logger';
import { closeAndExit, startServer } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (cluster.isWorker) await runWorker(config, logger);
  else if (config.workers > 1) await runPrimary(config, logger);
  else await runSingleProcess(config, logger);
}

/** Prepares the data directory and serves in this process (IRIS_WORKERS=1). */
async function runSingleProcess(config: IrisConfig, logger: Logger): Promise<void> {
  const running = await startServer(config, logger);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    closeAndExit(running, logger);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // The message names what to fix (a setting, a busy port), and the stack helps only when debugging.
  const debugging = ['debug', 'trace'].includes(String(process.env.IRIS_LOG_LEVEL).toLowerCase());
  let text = String(error);
  if (error instanceof Error) text = debugging && error.stack !== undefined ? error.stack : error.message;
  process.stderr.write(`iris: failed to start: ${text}\n`);
  process.exit(1);
});
