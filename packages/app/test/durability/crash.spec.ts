import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient } from '../http/helpers';
import {
  ChildServer,
  freePort,
  md5,
  partialFiles,
  sleep,
  spawnBuiltServer,
  startBuiltServer,
  startStreamingUpload,
  storedMd5,
} from './servers';

const CHUNK = randomBytes(1024 * 1024);
/** Bytes streamed before the kill: enough for the store to be writing its temporary file. */
const BYTES_BEFORE_KILL = 96 * 1024 * 1024;

describe('crash during upload', () => {
  let dataDir: string;
  let server: ChildServer | null = null;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'iris-crash-'));
  });

  afterAll(async () => {
    server?.process.kill('SIGKILL');
    await server?.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('restart requeues image and removes partial file', async () => {
    const env = { IRIS_DATA_DIR: dataDir };
    server = await startBuiltServer(env);
    const port = new URL(server.url).port;
    const api = new ApiClient(server.url);
    const imagesDir = path.join(dataDir, 'images');
    const image = await api.createImage({ disk_format: 'raw', container_format: 'bare' });

    const upload = startStreamingUpload(server.url, image.id);
    await upload.connected;
    for (let sent = 0; sent < BYTES_BEFORE_KILL; sent += CHUNK.length) {
      await upload.write(CHUNK);
      await sleep(2);
    }
    expect(await api.statusOf(image.id)).toBe('saving');
    expect(await partialFiles(imagesDir)).toHaveLength(1);
    server.process.kill('SIGKILL');
    await server.exited;
    await expect(upload.response).rejects.toThrow();
    expect(await partialFiles(imagesDir)).toHaveLength(1);

    server = await startBuiltServer({ ...env, IRIS_PORT: port });

    const shown = await api.get(`/v2/images/${image.id}`);
    expect(shown.json.status).toBe('queued');
    expect(shown.json.size).toBeNull();
    expect(await partialFiles(imagesDir)).toEqual([]);
    expect(await readdir(imagesDir)).toEqual([]);
    const logLines = server.output().split('\n').filter((line) => line.includes(image.id));
    expect(logLines.some((line) => line.includes('returned from saving to queued'))).toBe(true);
    expect(logLines.some((line) => line.includes('partial file removed'))).toBe(true);

    const data = randomBytes(8 * 1024 * 1024);
    const uploaded = await api.upload(image.id, data);

    expect(uploaded.status).toBe(204);
    const active = await api.get(`/v2/images/${image.id}`);
    expect(active.json.status).toBe('active');
    expect(active.json.checksum).toBe(md5(data));
    expect(await storedMd5(imagesDir, image.id)).toBe(md5(data));
  });
});

describe('second start on a busy port', () => {
  let dataDir: string;
  let server: ChildServer | null = null;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'iris-second-start-'));
  });

  afterAll(async () => {
    server?.process.kill('SIGKILL');
    await server?.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each(['1', '2'])('with %s workers leaves the running upload alone', async (workers) => {
    const port = String(await freePort());
    server = await startBuiltServer({ IRIS_DATA_DIR: dataDir, IRIS_PORT: port });
    const image = await new ApiClient(server.url).createImage({ disk_format: 'raw', container_format: 'bare' });
    const upload = startStreamingUpload(server.url, image.id);
    const sent: Buffer[] = [];
    for (let i = 0; i < 8; i++) {
      sent.push(CHUNK);
      await upload.write(CHUNK);
    }

    const second = await spawnBuiltServer({ IRIS_DATA_DIR: dataDir, IRIS_PORT: port, IRIS_WORKERS: workers });
    const exitCode = await Promise.race([second.exited, sleep(20_000).then(() => 'still running')]);
    if (exitCode === 'still running') second.process.kill('SIGKILL');

    expect(exitCode).toBe(1);
    expect(second.errorOutput()).toContain(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
    expect(second.output()).not.toContain('interrupted upload');
    for (let i = 0; i < 8; i++) {
      sent.push(CHUNK);
      await upload.write(CHUNK);
    }
    upload.end();
    expect((await upload.response).status).toBe(204);
    const stored = await new ApiClient(server.url).get(`/v2/images/${image.id}`);
    expect(stored.json.status).toBe('active');
    expect(stored.json.checksum).toBe(md5(Buffer.concat(sent)));
    server.process.kill('SIGTERM');
    await server.exited;
    server = null;
  });
});
