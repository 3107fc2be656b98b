import { Logger } from '@iris/adapters-http';
import cluster, { Worker } from 'node:cluster';
import { IrisConfig } from './config';
import { closeAndExit, RunningServer, startServer } from './server';

/** Messages that a cluster worker sends to its primary over the IPC channel. */
export type WorkerMessage =
  | { type: 'iris:listening'; url: string }
  | { type: 'iris:start-failed'; error: string };

/** Message of a worker's own log line once it listens, since only the primary logs `server listening`. */
const WORKER_LISTENING = 'worker listening';

/**
 * Serves as one cluster worker: no migrations and no recovery, since the
 * primary ran them before it forked. It reports to the primary once it
 * listens, or why it failed to start, and shuts down gracefully on SIGTERM
 * or when the primary disappears. Its log lines carry the worker id.
 */
export async function runWorker(config: IrisConfig, baseLogger: Logger): Promise<void> {
  const worker = clusterWorker();
  const logger = baseLogger.child({ worker: worker.id });
  let running: RunningServer | null = null;
  let stopping = false;

  const stop = (cause: { signal?: string; reason?: string }): void => {
    if (stopping) return;
    stopping = true;
    logger.info(cause, 'shutting down');
    if (running !== null) closeAndExit(running, logger);
  };
  process.on('SIGTERM', () => stop({ signal: 'SIGTERM' }));
  // Ctrl-C in a terminal sends SIGINT to the whole process group. The
  // primary handles it by sending SIGTERM to each worker, so a worker ignores
  // SIGINT, which would otherwise end it before the primary starts stopping.
  process.on('SIGINT', () => undefined);
  worker.on('disconnect', () => {
    // The cluster module calls process.exit(0) when the IPC channel to the
    // primary closes, unless exitedAfterDisconnect is true, so setting it
    // here lets the in-flight requests finish first.
    worker.exitedAfterDisconnect = true;
    stop({ reason: 'primary disconnected' });
  });

  try {
    running = await startServer(config, logger, { recover: false, listeningMessage: WORKER_LISTENING });
  } catch (error) {
    logger.error({ err: error }, 'worker failed to start');
    const message = error instanceof Error ? error.message : String(error);
    await sendToPrimary(worker, { type: 'iris:start-failed', error: message });
    process.exit(1);
  }
  if (stopping) {
    closeAndExit(running, logger);
    return;
  }
  await sendToPrimary(worker, { type: 'iris:listening', url: running.url });
}

function clusterWorker(): Worker {
  if (cluster.worker === undefined) throw new Error('runWorker must run in a cluster worker');
  return cluster.worker;
}

/** Sends a message to the primary. A closed channel is no error, because the primary is gone then. */
function sendToPrimary(worker: Worker, message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    worker.send(message, undefined, {}, () => resolve());
  });
}
