import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ApiClient, projectMember, startTestServer, TestServer } from './helpers';

/** The tasks API: creation of import tasks, listing, showing, schemas and expiry. */

let origin: Server;
let originPort: number;
let qcow2: Buffer;
let server: TestServer;
let admin: ApiClient;

beforeAll(async () => {
  origin = createServer((req, res) => {
    if (req.url === '/disk.qcow2') res.end(qcow2);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  originPort = (origin.address() as AddressInfo).port;
  server = await startTestServer({
    IRIS_IMPORT_ALLOWED_HOSTS: '127.0.0.1',
    IRIS_IMPORT_ALLOWED_PORTS: String(originPort),
  });
  admin = new ApiClient(server.url);
  const file = path.join(server.dataDir, 'disk.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', file, '1M']);
  qcow2 = readFileSync(file);
});

afterAll(async () => {
  await server.close();
  origin.closeAllConnections();
  await new Promise((resolve) => origin.close(resolve));
});

function importTaskBody(uri = `http://127.0.0.1:${originPort}/disk.qcow2`) {
  return {
    type: 'import',
    input: {
      import_from: uri,
      import_from_format: 'qcow2',
      image_properties: { name: 'from-task', disk_format: 'qcow2', container_format: 'bare' },
    },
  };
}

async function waitForTask(id: string): Promise<any> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const task = (await admin.get(`/v2/tasks/${id}`)).json;
    if (task.status === 'success' || task.status === 'failure') return task;
    if (Date.now() > deadline) throw new Error(`timed out waiting for task ${id}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('POST /v2/tasks', () => {
  it('import task creates active image', async () => {
    const res = await admin.post('/v2/tasks', importTaskBody());

    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`${server.url}/v2/tasks/${res.json.id}`);
    expect(res.json).toMatchObject({ type: 'import', status: 'pending', message: '', result: null });
    expect(res.json.self).toBe(`/v2/tasks/${res.json.id}`);
    expect(res.json.schema).toBe('/v2/schemas/task');
    const task = await waitForTask(res.json.id);
    expect(task.status).toBe('success');
    expect(task.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const image = (await admin.get(`/v2/images/${task.result.image_id}`)).json;
    expect(image.name).toBe('from-task');
    expect(image.status).toBe('active');
    expect(image.checksum).toBe(createHash('md5').update(qcow2).digest('hex'));
    expect(image.virtual_size).toBe(1024 * 1024);
  });

  it.each([
    ['no type', { input: {} }, "Task 'type' is required"],
    ['no input', { type: 'import' }, "Task 'input' is required"],
    ['another type', { type: 'api_image_import', input: {} }, 'only'],
    ['no import_from', { type: 'import', input: { import_from_format: 'raw', image_properties: {} } }, 'import_from'],
    ['a file URL', importTaskBody('file:///etc/passwd'), 'does not pass filtering'],
  ])('%s gets 400', async (_name, body, message) => {
    const res = await admin.post('/v2/tasks', body);

    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
  });

  it('non-admin gets 403', async () => {
    const member = admin.as(projectMember('tasks-project'));

    expect((await member.post('/v2/tasks', importTaskBody())).status).toBe(403);
    expect((await member.get('/v2/tasks')).status).toBe(403);
  });
});

describe('GET /v2/tasks', () => {
  let ids: string[];

  beforeAll(async () => {
    const first = await admin.post('/v2/tasks', importTaskBody());
    const second = await admin.post('/v2/tasks', importTaskBody(`http://127.0.0.1:${originPort}/missing`));
    ids = [first.json.id, second.json.id];
    for (const id of ids) await waitForTask(id);
  });

  it('lists stubs without input', async () => {
    const res = await admin.get('/v2/tasks');

    expect(res.status).toBe(200);
    expect(res.json.schema).toBe('/v2/schemas/tasks');
    expect(res.json.first).toBe('/v2/tasks');
    const listed = res.json.tasks.map((task: any) => task.id);
    expect(listed).toEqual(expect.arrayContaining(ids));
    expect(res.json.tasks[0].input).toBeUndefined();
    expect(res.json.tasks[0].message).toBeUndefined();
  });

  it('filters by status', async () => {
    const failed = (await admin.get('/v2/tasks?status=failure')).json.tasks;

    expect(failed.map((task: any) => task.id)).toContain(ids[1]);
    expect(failed.every((task: any) => task.status === 'failure')).toBe(true);
  });

  it('pages with limit and marker', async () => {
    const first = (await admin.get('/v2/tasks?limit=1&sort_dir=asc')).json;
    const second = (await admin.get(`/v2/tasks?limit=1&sort_dir=asc&marker=${first.tasks[0].id}`)).json;

    expect(first.tasks).toHaveLength(1);
    expect(first.next).toBe(`/v2/tasks?limit=1&sort_dir=asc&marker=${first.tasks[0].id}`);
    expect(second.tasks).toHaveLength(1);
    expect(second.tasks[0].id).not.toBe(first.tasks[0].id);
  });

  it.each([
    ['status=done'],
    ['type=api_image_import'],
    ['sort_dir=up'],
    ['sort_key=name'],
    ['limit=-1'],
    ['marker=not-a-uuid'],
  ])('%s gets 400', async (query) => {
    expect((await admin.get(`/v2/tasks?${query}`)).status).toBe(400);
  });

  it('failed task shows its message', async () => {
    const task = (await admin.get(`/v2/tasks/${ids[1]}`)).json;

    expect(task.status).toBe('failure');
    expect(task.message).toContain('HTTP 404');
  });

  it('DELETE gets 405', async () => {
    const res = await admin.delete(`/v2/tasks/${ids[0]}`);

    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
  });

  it('unknown task gets 404', async () => {
    expect((await admin.get('/v2/tasks/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });
});

describe('task schemas', () => {
  it('task schema lists types', async () => {
    const res = await admin.get('/v2/schemas/task');

    expect(res.status).toBe(200);
    expect(res.json.name).toBe('task');
    expect(res.json.properties.type.enum).toEqual(['import', 'api_image_import']);
    expect(res.json.properties.status.enum).toEqual(['pending', 'processing', 'success', 'failure']);
  });

  it('tasks schema leaves out input', async () => {
    const res = await admin.get('/v2/schemas/tasks');

    expect(res.json.name).toBe('tasks');
    expect(res.json.properties.tasks.items.properties.input).toBeUndefined();
    expect(res.json.links).toEqual([{ rel: 'describedby', href: '{schema}' }]);
  });
});

describe('task expiry', () => {
  it('expired tasks disappear', async () => {
    // A time to live of 0.0005 hours is 1.8 seconds.
    const shortLived = await startTestServer({
      IRIS_IMPORT_ALLOWED_HOSTS: '127.0.0.1',
      IRIS_IMPORT_ALLOWED_PORTS: String(originPort),
      IRIS_TASK_TTL_HOURS: '0.0005',
    });
    try {
      const client = new ApiClient(shortLived.url);
      const created = await client.post('/v2/tasks', importTaskBody());
      const deadline = Date.now() + 10_000;
      let task = (await client.get(`/v2/tasks/${created.json.id}`)).json;
      while (task.status === 'pending' || task.status === 'processing') {
        if (Date.now() > deadline) throw new Error('timed out waiting for the task');
        await new Promise((resolve) => setTimeout(resolve, 25));
        task = (await client.get(`/v2/tasks/${created.json.id}`)).json;
      }
      expect(task.expires_at).toBeDefined();
      const imageId = task.result.image_id;
      expect((await client.get(`/v2/images/${imageId}/tasks`)).json.tasks).toHaveLength(1);

      await new Promise((resolve) => setTimeout(resolve, 2000));

      expect((await client.get(`/v2/tasks/${created.json.id}`)).status).toBe(404);
      expect((await client.get('/v2/tasks')).json.tasks).toEqual([]);
      expect((await client.get(`/v2/images/${imageId}/tasks`)).json.tasks).toEqual([]);
    } finally {
      await shortLived.close();
    }
  });
});
