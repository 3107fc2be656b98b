import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createLogger, loadConfig, startServer } from '../../src';
import { ApiClient, projectMember, startTestServer, storedFilesOf, TestServer } from './helpers';

/**
 * Interoperable image import against the real server: staging, the
 * glance-direct and web-download methods (from an HTTP server in this test
 * on 127.0.0.1), inspection of imported data, plugins and start-up recovery.
 */

const MIB = 1024 * 1024;

let workDir: string;
let qcow2: Buffer;
let origin: Server;
let originPort: number;
/** Responses that the origin server never finishes, closed in afterAll. */
const hanging: ServerResponse[] = [];

function qemuImg(args: string[]): void {
  execFileSync('qemu-img', args, { stdio: 'ignore' });
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'iris-import-'));
  const file = path.join(workDir, 'disk.qcow2');
  qemuImg(['create', '-q', '-f', 'qcow2', file, '10M']);
  qcow2 = readFileSync(file);

  origin = createServer((req, res) => {
    if (req.url === '/disk.qcow2') {
      res.end(qcow2);
    } else if (req.url === '/redirect-to-other-port') {
      res.writeHead(302, { Location: 'http://127.0.0.1:1/disk.qcow2' });
      res.end();
    } else if (req.url === '/hang') {
      res.writeHead(200);
      res.write(qcow2.subarray(0, 1024));
      hanging.push(res);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  originPort = (origin.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  origin.closeAllConnections();
  await new Promise((resolve) => origin.close(resolve));
  rmSync(workDir, { recursive: true, force: true });
});

/** Settings that let web-download reach the origin server in this test. */
function originAllowed(): Record<string, string> {
  return { IRIS_IMPORT_ALLOWED_HOSTS: '127.0.0.1', IRIS_IMPORT_ALLOWED_PORTS: String(originPort) };
}

/** Polls until the check passes, or fails after ten seconds. */
async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function waitForStatus(client: ApiClient, id: string, statuses: string[]): Promise<any> {
  let image: any;
  await waitFor(async () => {
    image = (await client.get(`/v2/images/${id}`)).json;
    return statuses.includes(image.status);
  }, `image ${id} to reach ${statuses.join(' or ')}`);
  return image;
}

async function waitForTask(client: ApiClient, id: string): Promise<any> {
  let task: any;
  await waitFor(async () => {
    const tasks = (await client.get(`/v2/images/${id}/tasks`)).json.tasks;
    task = tasks[tasks.length - 1];
    return task !== undefined && (task.status === 'success' || task.status === 'failure');
  }, `the import task of image ${id} to finish`);
  return task;
}

function stage(client: ApiClient, id: string, data: Buffer) {
  return client.request('PUT', `/v2/images/${id}/stage`, {
    body: data,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
}

function importImage(client: ApiClient, id: string, method: Record<string, unknown>) {
  return client.post(`/v2/images/${id}/import`, { method });
}

describe('import discovery', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await startTestServer();
    admin = new ApiClient(server.url);
  });

  afterAll(async () => {
    await server.close();
  });

  it('info/import lists enabled methods', async () => {
    const res = await admin.get('/v2/info/import');

    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      'import-methods': {
        description: 'Import methods available.',
        type: 'array',
        value: ['glance-direct', 'web-download', 'copy-image'],
      },
    });
  });

  it('versions list v2.6 for import', async () => {
    const versions = (await admin.get('/versions')).json.versions.map((version: any) => version.id);

    expect(versions).toEqual(['v2.7', 'v2.6', 'v2.5', 'v2.4', 'v2.3', 'v2.2', 'v2.1', 'v2.0', 'v1.1', 'v1.0']);
    expect((await admin.get('/v2.6/info/import')).status).toBe(200);
  });

  it('image creation sends import methods', async () => {
    const res = await admin.post('/v2/images', {});

    expect(res.status).toBe(201);
    expect(res.headers['openstack-image-import-methods']).toBe('glance-direct,web-download,copy-image');
  });
});

describe('glance-direct', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await startTestServer();
    admin = new ApiClient(server.url);
  });

  afterAll(async () => {
    await server.close();
  });

  it('stage moves image to uploading', async () => {
    const image = await admin.createImage({});

    const res = await stage(admin, image.id, qcow2);

    expect(res.status).toBe(204);
    const shown = (await admin.get(`/v2/images/${image.id}`)).json;
    expect(shown.status).toBe('uploading');
    expect(shown.size).toBe(qcow2.length);
    expect(existsSync(path.join(server.dataDir, 'staging', image.id))).toBe(true);
    expect((await stage(admin, image.id, qcow2)).status).toBe(409);
  });

  it('import activates staged qcow2', async () => {
    const image = await admin.createImage({ disk_format: 'qcow2', container_format: 'bare' });
    await stage(admin, image.id, qcow2);

    const res = await importImage(admin, image.id, { name: 'glance-direct' });

    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    const active = await waitForStatus(admin, image.id, ['active']);
    expect(active.size).toBe(qcow2.length);
    expect(active.virtual_size).toBe(10 * MIB);
    expect(active.checksum).toBe(md5(qcow2));
    expect(active.os_glance_import_task).toBeUndefined();
    const task = await waitForTask(admin, image.id);
    expect(task.type).toBe('api_image_import');
    expect(task.status).toBe('success');
    expect(task.result).toEqual({ image_id: image.id });
    expect(task.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$/);
    expect(existsSync(path.join(server.dataDir, 'staging', image.id))).toBe(false);
  });

  it('mismatched data returns image to queued', async () => {
    const image = await admin.createImage({ disk_format: 'vmdk', container_format: 'bare' });
    await stage(admin, image.id, qcow2);

    expect((await importImage(admin, image.id, { name: 'glance-direct' })).status).toBe(202);

    const task = await waitForTask(admin, image.id);
    expect(task.status).toBe('failure');
    expect(task.message).toContain('does not match');
    const queued = await waitForStatus(admin, image.id, ['queued']);
    expect(queued.os_glance_failed_import).toBe('file');
    expect(queued.os_glance_import_task).toBeUndefined();
    expect(await storedFilesOf(server, image.id)).toEqual([]);
  });

  it.each([
    ['no method gets 400', {}, 400],
    ['unknown method gets 400', { method: { name: 'glance-download' } }, 400],
    ['non-boolean all_stores gets 400', { method: { name: 'glance-direct' }, all_stores: 'yes' }, 400],
  ])('%s', async (_name, body, status) => {
    const image = await admin.createImage({ disk_format: 'raw', container_format: 'bare' });

    expect((await admin.post(`/v2/images/${image.id}/import`, body)).status).toBe(status);
  });

  it('queued image cannot import glance-direct', async () => {
    const image = await admin.createImage({ disk_format: 'raw', container_format: 'bare' });

    const res = await importImage(admin, image.id, { name: 'glance-direct' });

    expect(res.status).toBe(409);
  });

  it('active image cannot be import target', async () => {
    const id = await admin.createActiveImage(Buffer.from('data'));

    const res = await importImage(admin, id, { name: 'web-download', uri: 'http://example.com/x' });

    expect(res.status).toBe(409);
    expect(res.text).toContain('cannot be target for import');
  });

  it('missing formats get 400', async () => {
    const image = await admin.createImage({});
    await stage(admin, image.id, qcow2);

    expect((await importImage(admin, image.id, { name: 'glance-direct' })).status).toBe(400);
  });

  it('hidden image gets 404', async () => {
    const owner = admin.as(projectMember('import-owner'));
    const image = await owner.createImage({ disk_format: 'raw', container_format: 'bare' });
    const stranger = admin.as(projectMember('import-stranger'));

    expect((await stage(stranger, image.id, qcow2)).status).toBe(404);
    expect((await importImage(stranger, image.id, { name: 'glance-direct' })).status).toBe(404);
  });
});

describe('web-download', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await startTestServer(originAllowed());
    admin = new ApiClient(server.url);
  });

  afterAll(async () => {
    await server.close();
  });

  it('imports from allowed local server', async () => {
    const image = await admin.createImage({ disk_format: 'qcow2', container_format: 'bare' });
    const uri = `http://127.0.0.1:${originPort}/disk.qcow2`;

    expect((await importImage(admin, image.id, { name: 'web-download', uri })).status).toBe(202);

    const active = await waitForStatus(admin, image.id, ['active']);
    expect(active.checksum).toBe(md5(qcow2));
    expect(active.virtual_size).toBe(10 * MIB);
  });

  it.each([
    ['a port outside the allow list', 'http://127.0.0.1:1/disk.qcow2'],
    ['a file URL', 'file:///etc/passwd'],
    ['an ftp URL', `ftp://127.0.0.1:${originPort}/disk.qcow2`],
    ['a host outside the allow list', `http://localhost:${originPort}/disk.qcow2`],
    ['credentials in the URL', `http://user:secret@127.0.0.1:${originPort}/disk.qcow2`],
  ])('%s gets 400', async (_name, uri) => {
    const image = await admin.createImage({ disk_format: 'qcow2', container_format: 'bare' });

    const res = await importImage(admin, image.id, { name: 'web-download', uri });

    expect(res.status).toBe(400);
    expect(res.text).toContain('does not pass filtering');
    expect(await admin.statusOf(image.id)).toBe('queued');
  });

  it('redirect to a filtered URL fails', async () => {
    const image = await admin.createImage({ disk_format: 'qcow2', container_format: 'bare' });
    const uri = `http://127.0.0.1:${originPort}/redirect-to-other-port`;

    expect((await importImage(admin, image.id, { name: 'web-download', uri })).status).toBe(202);

    const task = await waitForTask(admin, image.id);
    expect(task.status).toBe('failure');
    expect(task.message).toContain('http://127.0.0.1:1/disk.qcow2');
    expect((await waitForStatus(admin, image.id, ['queued'])).os_glance_failed_import).toBe('file');
  });

  it('missing file fails the task', async () => {
    const image = await admin.createImage({ disk_format: 'qcow2', container_format: 'bare' });
    const uri = `http://127.0.0.1:${originPort}/missing`;

    await importImage(admin, image.id, { name: 'web-download', uri });

    const task = await waitForTask(admin, image.id);
    expect(task.message).toContain('HTTP 404');
    expect(await admin.statusOf(image.id)).toBe('queued');
  });
});

describe('web-download without host allow list', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ IRIS_IMPORT_ALLOWED_PORTS: String(originPort) });
    admin = new ApiClient(server.url);
  });

  afterAll(async () => {
    await server.close();
  });

  it('loopback address is refused', async () => {
    const image = await admin.createImage({ disk_format: 'qcow2', container_format: 'bare' });
    const uri = `http://127.0.0.1:${originPort}/disk.qcow2`;

    expect((await importImage(admin, image.id, { name: 'web-download', uri })).status).toBe(202);

    const task = await waitForTask(admin, image.id);
    expect(task.status).toBe('failure');
    expect(task.message).toContain('non-public address 127.0.0.1');
    expect(await admin.statusOf(image.id)).toBe('queued');
    expect(await storedFilesOf(server, image.id)).toEqual([]);
  });

  it('size cap stops the download', async () => {
    const capped = await startTestServer({ ...originAllowed(), IRIS_IMAGE_SIZE_CAP: '4096' });
    try {
      const client = new ApiClient(capped.url);
      const image = await client.createImage({ disk_format: 'qcow2', container_format: 'bare' });
      const uri = `http://127.0.0.1:${originPort}/disk.qcow2`;

      await importImage(client, image.id, { name: 'web-download', uri });

      const task = await waitForTask(client, image.id);
      expect(task.message).toContain('4096');
      expect(await storedFilesOf(capped, image.id)).toEqual([]);
    } finally {
      await capped.close();
    }
  });
});

describe('import plugins', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({
      ...originAllowed(),
      IRIS_IMPORT_PLUGINS: 'image_decompression,image_conversion,inject_image_metadata',
      IRIS_IMPORT_CONVERSION_FORMAT: 'raw',
      IRIS_IMPORT_INJECT_PROPERTIES: 'injected_by=iris,os_distro=debian',
    });
    admin = new ApiClient(server.url);
  });

  afterAll(async () => {
    await server.close();
  });

  it('converts qcow2 to raw with qemu-img', async () => {
    const image = await admin.createImage({ disk_format: 'qcow2', container_format: 'bare' });
    const uri = `http://127.0.0.1:${originPort}/disk.qcow2`;

    await importImage(admin, image.id, { name: 'web-download', uri });

    const task = await waitForTask(admin, image.id);
    expect(task.message).toBe('');
    const active = await waitForStatus(admin, image.id, ['active', 'queued']);
    expect(active.status).toBe('active');
    expect(active.disk_format).toBe('raw');
    expect(active.size).toBe(10 * MIB);
    expect(active.virtual_size).toBe(10 * MIB);
    expect(active.injected_by).toBe('iris');
    expect(active.os_distro).toBe('debian');
    const download = await admin.get(`/v2/images/${image.id}/file`);
    expect(download.body.equals(Buffer.alloc(10 * MIB))).toBe(true);
  });

  it('decompresses gzip before inspection', async () => {
    const image = await admin.createImage({ disk_format: 'qcow2', container_format: 'bare' });
    await stage(admin, image.id, gzipSync(qcow2));

    await importImage(admin, image.id, { name: 'glance-direct' });

    const active = await waitForStatus(admin, image.id, ['active', 'queued']);
    expect(active.status).toBe('active');
    expect(active.disk_format).toBe('raw');
    expect(active.virtual_size).toBe(10 * MIB);
  });

  it('backing file is rejected before conversion', async () => {
    const base = path.join(workDir, 'base.qcow2');
    const overlay = path.join(workDir, 'overlay.qcow2');
    qemuImg(['create', '-q', '-f', 'qcow2', base, '10M']);
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', overlay]);
    const image = await admin.createImage({ disk_format: 'qcow2', container_format: 'bare' });
    await stage(admin, image.id, readFileSync(overlay));

    await importImage(admin, image.id, { name: 'glance-direct' });

    const task = await waitForTask(admin, image.id);
    expect(task.status).toBe('failure');
    expect(task.message).toContain('backing file');
    expect((await admin.get(`/v2/images/${image.id}`)).json.disk_format).toBe('qcow2');
  });
});

describe('import interrupted by restart', () => {
  it('start-up returns image to queued', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'iris-restart-'));
    const env = {
      IRIS_PORT: '0',
      IRIS_DATA_DIR: dataDir,
      IRIS_LOG_LEVEL: 'silent',
      IRIS_SHUTDOWN_TIMEOUT_MS: '300',
      ...originAllowed(),
    };
    try {
      const first = await startServer(loadConfig(env), createLogger('silent'));
      const client = new ApiClient(first.url);
      const image = await client.createImage({ disk_format: 'qcow2', container_format: 'bare' });
      const uri = `http://127.0.0.1:${originPort}/hang`;
      await importImage(client, image.id, { name: 'web-download', uri });
      await waitForStatus(client, image.id, ['importing']);
      await first.close();

      const second = await startServer(loadConfig(env), createLogger('silent'));
      try {
        const restarted = new ApiClient(second.url);
        const shown = (await restarted.get(`/v2/images/${image.id}`)).json;
        expect(shown.status).toBe('queued');
        expect(shown.os_glance_failed_import).toBe('file');
        const tasks = (await restarted.get(`/v2/images/${image.id}/tasks`)).json.tasks;
        expect(tasks[0].status).toBe('failure');
        expect(tasks[0].message).toContain('restart');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
