import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient, send } from '../http/helpers';
import {
  ChildServer,
  childPids,
  isRunning,
  logRecords,
  md5,
  partialFiles,
  sleep,
  SpawnedServer,
  spawnBuiltServer,
  startBuiltServer,
  startStreamingUpload,
  waitFor,
} from './servers';

const CHUNK = randomBytes(256 * 1024);
const FORMATS = { disk_format: 'raw', container_format: 'bare' };
const TWO_WORKERS = { IRIS_WORKERS: '2', IRIS_PORT: '0' };
/** Maximum bytes streamed while waiting for the store to create its temporary file. */
const MAX_BYTES_BEFORE_KILL = 256 * 1024 * 1024;

type LogRecord = Record<string, unknown>;

function recordsWith(server: SpawnedServer, message: string): LogRecord[] {
  return logRecords(server.output()).filter((record) => record.msg === message);
}

/** Maps each cluster worker id to its pid, from the primary's `worker process started` lines. */
function workerPidsById(server: SpawnedServer): Map<number, number> {
  const started = recordsWith(server, 'worker process started');
  return new Map(started.map((record) => [Number(record.worker), Number(record.pid)]));
}

/** Sends GET /versions once per request id, each over a new connection, one after the other. */
async function getVersions(url: string, requestIds: string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const id of requestIds) {
    const res = await send(url, 'GET', '/versions', { headers: { 'X-Openstack-Request-Id': id } });
    statuses.push(res.status);
  }
  return statuses;
}

/** Returns the pids of the processes whose `request finished` lines carry the request ids given. */
async function servingPids(server: SpawnedServer, requestIds: string[]): Promise<number[]> {
  const finished = (): LogRecord[] =>
    recordsWith(server, 'request finished').filter((record) => requestIds.includes(String(record.request_id)));
  await waitFor('the request log lines', () => finished().length === requestIds.length);
  const pids = workerPidsById(server);
  const serving = new Set(finished().map((record) => pids.get(Number(record.worker)) ?? -1));
  return [...serving].sort((a, b) => a - b);
}

/** Sends SIGKILL to a process, which may have exited meanwhile. */
function killIfRunning(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

describe('serving with IRIS_WORKERS=2', () => {
  let dataDir: string;
  /** Every server that a test started, so that afterEach can kill what is left of it. */
  let started: SpawnedServer[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'iris-workers-'));
  });

  afterEach(async () => {
    for (const server of started) {
      server.process.kill('SIGKILL');
      await server.exited;
      for (const pid of workerPidsById(server).values()) {
        if (await isRunning(pid)) killIfRunning(pid);
      }
    }
    started = [];
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(env: Record<string, string> = {}): Promise<ChildServer> {
    const server = await startBuiltServer({ IRIS_DATA_DIR: dataDir, ...TWO_WORKERS, ...env });
    started.push(server);
    return server;
  }

  /** Waits until the primary has `count` live children and returns their pids. */
  async function liveWorkers(primary: SpawnedServer, count = 2): Promise<number[]> {
    let pids: number[] = [];
    await waitFor(`${count} worker processes`, async () => {
      pids = await childPids(Number(primary.process.pid));
      return pids.length === count;
    });
    return pids;
  }

  it('serves requests from two processes', async () => {
    const primary = await start();
    const workers = await liveWorkers(primary);

    expect(workers).toHaveLength(2);
    expect([...workerPidsById(primary).values()].sort((a, b) => a - b)).toEqual(workers);
    const announced = recordsWith(primary, 'server listening');
    expect(announced).toHaveLength(1);
    expect(announced[0].workers).toBe(2);
    expect(announced[0].worker).toBeUndefined();
    expect(announced[0].url).toBe(primary.url);
    expect(primary.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(recordsWith(primary, 'worker listening').map((record) => record.worker).sort()).toEqual([1, 2]);

    const requestIds = ['req-workers-1', 'req-workers-2', 'req-workers-3', 'req-workers-4'];
    const statuses = await getVersions(primary.url, requestIds);

    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(await servingPids(primary, requestIds)).toEqual(workers);
  });

  it('stores 50 concurrent creates', async () => {
    const primary = await start();
    const workers = await liveWorkers(primary);
    const api = new ApiClient(primary.url);
    const indexes = Array.from({ length: 50 }, (_, index) => index);
    const requestIds = indexes.map((index) => `req-create-${index}`);

    const created = await Promise.all(
      indexes.map((index) =>
        api.post(
          '/v2/images',
          { ...FORMATS, name: `image-${index}`, tags: ['batch', `tag-${index}`], build: `build-${index}` },
          { 'X-Openstack-Request-Id': requestIds[index] },
        ),
      ),
    );

    expect(created.map((res) => res.status)).toEqual(indexes.map(() => 201));
    const listing = await api.get('/v2/images?limit=100');
    expect(listing.status).toBe(200);
    const byName = new Map<string, any>(listing.json.images.map((image: any) => [image.name, image]));
    expect(byName.size).toBe(50);
    for (const index of indexes) {
      const image = byName.get(`image-${index}`);
      expect([...(image?.tags ?? [])].sort()).toEqual(['batch', `tag-${index}`]);
      expect(image?.build).toBe(`build-${index}`);
    }
    expect(await servingPids(primary, requestIds)).toEqual(workers);
  });

  it('replaces a killed worker', async () => {
    const primary = await start();
    const [killed, survivor] = await liveWorkers(primary);

    process.kill(killed, 'SIGKILL');
    let workers: number[] = [];
    await waitFor('a new worker process', async () => {
      workers = await childPids(Number(primary.process.pid));
      return workers.length === 2 && !workers.includes(killed);
    });
    await waitFor('the new worker to listen', () => recordsWith(primary, 'worker listening').length === 3);

    expect(workers).toContain(survivor);
    const crash = recordsWith(primary, 'worker exited unexpectedly; starting a new one');
    expect(crash).toHaveLength(1);
    expect(crash[0].level).toBe('error');
    expect(crash[0].pid).toBe(killed);
    expect(crash[0].signal).toBe('SIGKILL');
    expect(recordsWith(primary, 'server listening')).toHaveLength(1);
    const requestIds = ['req-after-1', 'req-after-2', 'req-after-3', 'req-after-4'];
    expect(await getVersions(primary.url, requestIds)).toEqual([200, 200, 200, 200]);
    expect(await servingPids(primary, requestIds)).toEqual(workers);
  });

  it('finishes in-flight upload on SIGTERM', async () => {
    const primary = await start({ IRIS_SHUTDOWN_TIMEOUT_MS: '10000' });
    const workers = await liveWorkers(primary);
    const api = new ApiClient(primary.url);
    const image = await api.createImage(FORMATS);
    const upload = startStreamingUpload(primary.url, image.id);
    const sent: Buffer[] = [];
    for (let i = 0; i < 4; i++) {
      sent.push(CHUNK);
      await upload.write(CHUNK);
    }

    primary.process.kill('SIGTERM');
    await waitFor('both workers to shut down', () =>
      recordsWith(primary, 'shutting down').filter((record) => record.worker !== undefined).length === 2,
    );
    await sleep(200);
    await expect(send(primary.url, 'GET', '/versions')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    for (let i = 0; i < 8; i++) {
      sent.push(CHUNK);
      await upload.write(CHUNK);
      await sleep(50);
    }
    upload.end();
    const uploaded = await upload.response;

    expect(uploaded.status).toBe(204);
    expect(await primary.exited).toBe(0);
    for (const pid of workers) expect(await isRunning(pid)).toBe(false);
    expect(recordsWith(primary, 'worker stopped')).toHaveLength(2);
    const stopped = recordsWith(primary, 'stopped').filter((record) => record.worker === undefined);
    expect(stopped).toHaveLength(1);

    const restarted = await start();
    const stored = await new ApiClient(restarted.url).get(`/v2/images/${image.id}`);
    expect(stored.json.status).toBe('active');
    expect(stored.json.checksum).toBe(md5(Buffer.concat(sent)));
  });

  it('stops workers when the primary is killed', async () => {
    const primary = await start();
    const workers = await liveWorkers(primary);

    primary.process.kill('SIGKILL');
    await primary.exited;

    await waitFor('the workers to exit', async () => !(await isRunning(workers[0])) && !(await isRunning(workers[1])), 5000);
    await waitFor('the workers to log their shutdown', () =>
      recordsWith(primary, 'stopped').filter((record) => record.worker !== undefined).length === 2,
    );
    const shutdowns = recordsWith(primary, 'shutting down');
    expect(shutdowns.map((record) => record.reason)).toEqual(['primary disconnected', 'primary disconnected']);
  });

  it('recovers saving image once at start-up', async () => {
    const first = await start();
    const workers = await liveWorkers(first);
    const api = new ApiClient(first.url);
    const imagesDir = path.join(dataDir, 'images');
    const image = await api.createImage(FORMATS);
    const upload = startStreamingUpload(first.url, image.id);
    await upload.connected;
    for (let sent = 0; (await partialFiles(imagesDir)).length === 0; sent += CHUNK.length) {
      if (sent > MAX_BYTES_BEFORE_KILL) throw new Error(`no temporary upload file after ${sent} bytes`);
      await upload.write(CHUNK);
    }
    expect(await api.statusOf(image.id)).toBe('saving');

    for (const pid of workers) process.kill(pid, 'SIGKILL');
    await expect(upload.response).rejects.toThrow();
    await waitFor('two new workers to listen', () => recordsWith(first, 'worker listening').length === 4);

    // Recovery runs only at start-up, so the image stays saving until the restart.
    expect(await api.statusOf(image.id)).toBe('saving');
    expect(await partialFiles(imagesDir)).toHaveLength(1);
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await start();

    const recovered = await new ApiClient(second.url).get(`/v2/images/${image.id}`);
    expect(recovered.json.status).toBe('queued');
    expect(await partialFiles(imagesDir)).toEqual([]);
    const requeued = recordsWith(second, 'interrupted upload: image returned from saving to queued');
    expect(requeued).toHaveLength(1);
    expect(requeued[0].image_id).toBe(image.id);
    expect(requeued[0].worker).toBeUndefined();
    expect(recordsWith(second, 'interrupted upload: partial file removed')).toHaveLength(1);
  });

  it('exits 1 before recovery when the port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const server = await spawnBuiltServer({ IRIS_DATA_DIR: dataDir, IRIS_WORKERS: '2', IRIS_PORT: String(port) });
      started.push(server);

      expect(await server.exited).toBe(1);
      expect(server.errorOutput()).toContain(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
      expect(recordsWith(server, 'worker process started')).toEqual([]);
      expect(recordsWith(server, 'server listening')).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('exits 1 when workers keep crashing', async () => {
    const primary = await start();
    let exitCode: number | null | undefined;
    void primary.exited.then((code) => (exitCode = code));

    // Kill every worker as soon as it runs, until the primary gives up.
    for (let kills = 0; exitCode === undefined; ) {
      if (kills > 20) throw new Error('the primary kept starting workers after 20 kills');
      for (const pid of await childPids(Number(primary.process.pid))) {
        killIfRunning(pid);
        kills += 1;
      }
      await sleep(20);
    }

    expect(exitCode).toBe(1);
    expect(recordsWith(primary, 'worker exited unexpectedly; starting a new one')).toHaveLength(6);
    expect(recordsWith(primary, 'workers exited too often; stopping the server')).toHaveLength(1);
    for (const pid of workerPidsById(primary).values()) expect(await isRunning(pid)).toBe(false);
  });
});
