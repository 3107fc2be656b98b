import { createDataSource } from '@iris/adapters-store';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient, send } from '../http/helpers';
import { ChildServer, md5, sleep, startBuiltServer, startStreamingUpload } from './servers';

const CHUNK = randomBytes(256 * 1024);
const FORMATS = { disk_format: 'raw', container_format: 'bare' };

describe('graceful shutdown on SIGTERM', () => {
  let dataDir: string;
  let server: ChildServer | null = null;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'iris-shutdown-'));
  });

  afterEach(async () => {
    server?.process.kill('SIGKILL');
    await server?.exited;
    server = null;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finishes in-flight request and exits 0', async () => {
    server = await startBuiltServer({ IRIS_DATA_DIR: dataDir, IRIS_SHUTDOWN_TIMEOUT_MS: '10000' });
    const api = new ApiClient(server.url);
    const image = await api.createImage(FORMATS);
    const upload = startStreamingUpload(server.url, image.id);
    const sent: Buffer[] = [];
    for (let i = 0; i < 4; i++) {
      sent.push(CHUNK);
      await upload.write(CHUNK);
    }

    server.process.kill('SIGTERM');
    await sleep(200);
    await expect(send(server.url, 'GET', '/versions')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    for (let i = 0; i < 8; i++) {
      sent.push(CHUNK);
      await upload.write(CHUNK);
      await sleep(50);
    }
    upload.end();
    const uploaded = await upload.response;

    expect(uploaded.status).toBe(204);
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');

    server = await startBuiltServer({ IRIS_DATA_DIR: dataDir });
    const shown = await new ApiClient(server.url).get(`/v2/images/${image.id}`);
    expect(shown.json.status).toBe('active');
    expect(shown.json.checksum).toBe(md5(Buffer.concat(sent)));
  });

  it('cuts requests after the timeout', async () => {
    server = await startBuiltServer({ IRIS_DATA_DIR: dataDir, IRIS_SHUTDOWN_TIMEOUT_MS: '1000' });
    const api = new ApiClient(server.url);
    const image = await api.createImage(FORMATS);
    const upload = startStreamingUpload(server.url, image.id);
    await upload.write(CHUNK);
    const started = Date.now();

    server.process.kill('SIGTERM');

    expect(await server.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(upload.response).rejects.toThrow();
    expect(server.output()).toContain('in-flight requests did not finish in time');
  });
});

describe('query planner statistics', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'iris-statistics-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('are gathered at start-up', async () => {
    const first = await startBuiltServer({ IRIS_DATA_DIR: dataDir });
    const api = new ApiClient(first.url);
    for (let i = 0; i < 10; i++) await api.createImage(FORMATS);
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await startBuiltServer({ IRIS_DATA_DIR: dataDir });
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const database = createDataSource(`sqlite:${path.join(dataDir, 'iris.sqlite')}`);
    await database.initialize();
    try {
      const rows = (await database.query(
        "SELECT stat FROM sqlite_stat1 WHERE tbl = 'images' AND idx = 'ix_images_deleted_created'",
      )) as { stat: string }[];
      // The first number is the row count that ANALYZE saw.
      expect(rows.map((row) => row.stat.split(' ')[0])).toEqual(['10']);
    } finally {
      await database.destroy();
    }
  });
});
