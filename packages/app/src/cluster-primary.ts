import { Logger } from '@iris/adapters-http';
import cluster, { Worker } from 'node:cluster';
import { once } from 'node:events';
import { AddressInfo, createServer } from 'node:net';
import { WorkerMessage } from './cluster-worker';
import { IrisConfig } from './config';
import { prepareDataDirectory, redact } from './server';

/** More unexpected worker exits than this within CRASH_WINDOW_MS stop the server. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 10_000;
/**
 * Time a worker gets on top of twice IRIS_SHUTDOWN_TIMEOUT_MS (one wait for
 * imports, one for requests) before the primary kills it, in milliseconds.
 */
const STOP_MARGIN_MS = 5_000;
/** Maximum wait for the event loop to end after the last worker exited, in milliseconds. */
const EXIT_DELAY_MS = 2_000;

/** Fields of the log lines about one worker. */
interface WorkerExit {
  worker: number;
  pid: number | undefined;
  code: number | null;
  signal: string | null;
}

/**
 * Runs the cluster primary: it prepares the data directory once (migrations
 * and recovery), forks `config.workers` workers that serve on the shared
 * port, and supervises them until SIGTERM or SIGINT.
 */
export async function runPrimary(config: IrisConfig, logger: Logger): Promise<void> {
  await prepareDataDirectory(config, logger);
  const port = config.port === 0 ? await pickFreePort(config.host) : config.port;
  new Supervisor(config, logger, port).start();
}

/**
 * Returns a port that is free on `host` now. Node.js closes the shared
 * listening socket when its last worker exits, so workers listening on port
 * 0 would get a new port after all of them crashed at once. A port picked
 * here keeps the server's URL for the life of the primary.
 *
 * NOTE: the probe socket is closed before the workers bind the port, so
 * another process could take the port in between. The workers then fail to
 * start, and the primary exits 1 with EADDRINUSE in the log.
 */
async function pickFreePort(host: string): Promise<number> {
  const probe = createServer();
  probe.listen(0, host);
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

/**
 * Keeps the workers running. Until every worker of the first round listens,
 * any worker exit stops the server with exit code 1. After that, a worker
 * that exits is replaced, unless workers exited more than MAX_CRASHES times
 * within CRASH_WINDOW_MS.
 */
class Supervisor {
  private readonly live = new Map<number, Worker>();
  private readonly listening = new Set<number>();
  private readonly startErrors = new Map<number, string>();
  private crashTimes: number[] = [];
  private announced = false;
  private stopping = false;
  private failed = false;
  private exiting = false;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: IrisConfig,
    private readonly logger: Logger,
    /** Port that every worker listens on, never 0. */
    private readonly port: number,
  ) {}

  start(): void {
    // The primary accepts each connection and hands it to the workers in
    // turn, also where Node.js would leave it to the operating system (Windows).
    // NOTE: a connection handed to a worker that dies before it takes the
    // connection stays open in the primary with no response until the client
    // gives up (seen once per SIGKILL under load).
    cluster.schedulingPolicy = cluster.SCHED_RR;
    cluster.on('message', (worker, message: unknown) => this.receive(worker, message));
    cluster.on('exit', (worker, code: number | null, signal: string | null) => this.onExit(worker, code, signal));
    process.on('SIGTERM', () => this.stop({ signal: 'SIGTERM' }));
    process.on('SIGINT', () => this.stop({ signal: 'SIGINT' }));
    for (let i = 0; i < this.config.workers; i++) this.fork();
  }

  private fork(): void {
    const worker = cluster.fork({ IRIS_PORT: String(this.port) });
    this.live.set(worker.id, worker);
    worker.on('error', (error: Error) => this.logger.error({ err: error, worker: worker.id }, 'worker channel error'));
    this.logger.info({ worker: worker.id, pid: worker.process.pid }, 'worker process started');
  }

  private receive(worker: Worker, message: unknown): void {
    if (!isWorkerMessage(message)) return;
    if (message.type === 'iris:start-failed') {
      this.startErrors.set(worker.id, message.error);
      return;
    }
    this.listening.add(worker.id);
    if (this.announced || this.stopping || this.listening.size < this.config.workers) return;
    this.announced = true;
    this.logger.info(
      {
        url: message.url,
        database: redact(this.config.databaseUrl),
        data_dir: this.config.dataDir,
        workers: this.config.workers,
      },
      'server listening',
    );
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    this.live.delete(worker.id);
    this.listening.delete(worker.id);
    const exit: WorkerExit = { worker: worker.id, pid: worker.process.pid, code, signal };
    const error = this.startErrors.get(worker.id) ?? null;
    this.startErrors.delete(worker.id);

    if (this.stopping) this.onStopped(exit, error);
    else if (!this.announced) this.onStartFailure(exit, error);
    else this.onCrash(exit, error);
    this.exitWhenAllStopped();
  }

  private onStopped(exit: WorkerExit, error: string | null): void {
    // A worker that SIGTERM killed had not installed its handler yet, so it
    // was not serving any request.
    if (exit.code === 0 || exit.signal === 'SIGTERM') {
      this.logger.info(exit, 'worker stopped');
      return;
    }
    this.failed = true;
    if (error !== null) this.logger.error({ ...exit, error }, 'worker failed to start');
    else this.logger.error(exit, 'worker failed during shutdown');
  }

  private onStartFailure(exit: WorkerExit, error: string | null): void {
    this.failed = true;
    this.logger.error({ ...exit, error }, 'worker failed to start; stopping the server');
    this.stop({ reason: 'worker failed to start' });
  }

  private onCrash(exit: WorkerExit, error: string | null): void {
    this.logger.error({ ...exit, error }, 'worker exited unexpectedly; starting a new one');
    const now = Date.now();
    this.crashTimes = [...this.crashTimes.filter((time) => now - time < CRASH_WINDOW_MS), now];
    if (this.crashTimes.length <= MAX_CRASHES) {
      this.fork();
      return;
    }
    this.failed = true;
    this.logger.error(
      { exits: this.crashTimes.length, window_ms: CRASH_WINDOW_MS },
      'workers exited too often; stopping the server',
    );
    this.stop({ reason: 'workers exited too often' });
  }

  /** Sends SIGTERM to every worker, which finishes its requests and exits. */
  private stop(cause: { signal?: string; reason?: string }): void {
    if (this.stopping) return;
    this.stopping = true;
    this.logger.info({ ...cause, workers: this.live.size }, 'shutting down');
    for (const worker of this.live.values()) worker.process.kill('SIGTERM');
    const limitMs = 2 * this.config.shutdownTimeoutMs + STOP_MARGIN_MS;
    this.killTimer = setTimeout(() => this.killRemaining(limitMs), limitMs);
    this.exitWhenAllStopped();
  }

  private killRemaining(limitMs: number): void {
    this.failed = true;
    const workers = [...this.live.keys()];
    this.logger.error({ timeout_ms: limitMs, workers }, 'workers did not stop in time; killing them');
    for (const worker of this.live.values()) worker.process.kill('SIGKILL');
  }

  private exitWhenAllStopped(): void {
    if (!this.stopping || this.live.size > 0 || this.exiting) return;
    this.exiting = true;
    clearTimeout(this.killTimer);
    if (this.failed) this.logger.error({ exit_code: 1 }, 'stopped after a worker failure');
    else this.logger.info({}, 'stopped');
    // With no worker and no timer left, the event loop ends once pino has
    // written its last lines to stdout, which process.exit could cut off.
    // The unref'd timer exits anyway if some handle keeps the loop alive.
    process.exitCode = this.failed ? 1 : 0;
    setTimeout(() => process.exit(), EXIT_DELAY_MS).unref();
  }
}

function isWorkerMessage(message: unknown): message is WorkerMessage {
  if (typeof message !== 'object' || message === null) return false;
  const { type } = message as { type?: unknown };
  return type === 'iris:listening' || type === 'iris:start-failed';
}
