import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ApiClient, projectMember, startTestServer, storedFilesOf, TestServer } from './helpers';

/** Per-project quotas: each limit refuses with 413 and stores nothing past it. */

const MIB = 1024 * 1024;

let server: TestServer;
let admin: ApiClient;

beforeAll(async () => {
  server = await startTestServer({
    IRIS_QUOTAS: 'true',
    IRIS_QUOTA_IMAGE_COUNT_TOTAL: '3',
    IRIS_QUOTA_IMAGE_COUNT_UPLOADING: '5',
    IRIS_QUOTA_IMAGE_SIZE_TOTAL: '2',
    IRIS_QUOTA_IMAGE_STAGE_TOTAL: '1',
    IRIS_QUOTA_OVERRIDES: 'big:image_count_total=10,uploads:image_count_uploading=0,importer:image_stage_total=10',
  });
  admin = new ApiClient(server.url);
});

afterAll(async () => {
  await server.close();
});

function rawImage(client: ApiClient) {
  return client.createImage({ disk_format: 'raw', container_format: 'bare' });
}

function stage(client: ApiClient, id: string, data: Buffer, chunked = false) {
  return client.request('PUT', `/v2/images/${id}/stage`, {
    body: data,
    chunked,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
}

function stagingFiles(id: string): string[] {
  try {
    return readdirSync(path.join(server.dataDir, 'staging')).filter((name) => name.includes(id));
  } catch {
    return [];
  }
}

describe('image_count_total', () => {
  it('fourth image gets 413', async () => {
    const client = admin.as(projectMember('counted'));
    for (let i = 0; i < 3; i++) await client.createImage({});

    const res = await client.post('/v2/images', {});

    expect(res.status).toBe(413);
    expect(res.text).toContain('image_count_total');
    const listed = (await client.get('/v2/images')).json.images;
    expect(listed).toHaveLength(3);
  });

  it('override raises the limit', async () => {
    const client = admin.as(projectMember('big'));
    for (let i = 0; i < 4; i++) await client.createImage({});

    expect((await client.post('/v2/images', {})).status).toBe(201);
  });

  it('admin without project is not limited', async () => {
    for (let i = 0; i < 4; i++) await admin.createImage({});

    expect((await admin.post('/v2/images', {})).status).toBe(201);
  });
});

describe('image_size_total', () => {
  it('upload stops past the limit', async () => {
    const client = admin.as(projectMember('sized'));
    const first = await rawImage(client);
    expect((await client.upload(first.id, Buffer.alloc(MIB + 1))).status).toBe(204);
    const second = await rawImage(client);

    const res = await client.request('PUT', `/v2/images/${second.id}/file`, {
      body: Buffer.alloc(MIB),
      chunked: true,
      headers: { 'Content-Type': 'application/octet-stream' },
    });

    expect(res.status).toBe(413);
    expect(res.text).toContain('image_size_total');
    expect(await client.statusOf(second.id)).toBe('queued');
    expect(await storedFilesOf(server, second.id)).toEqual([]);
  });

  it('declared size over the limit gets 413', async () => {
    const client = admin.as(projectMember('declared'));
    const image = await rawImage(client);

    const res = await client.upload(image.id, Buffer.alloc(3 * MIB));

    expect(res.status).toBe(413);
    expect(await storedFilesOf(server, image.id)).toEqual([]);
  });

  it('usage document before and after', async () => {
    const client = admin.as(projectMember('usage'));
    const before = (await client.get('/v2/info/usage')).json.usage;
    const image = await rawImage(client);
    await client.upload(image.id, Buffer.alloc(MIB));

    const after = (await client.get('/v2/info/usage')).json.usage;

    expect(before).toEqual({
      image_size_total: { limit: 2, usage: 0 },
      image_stage_total: { limit: 1, usage: 0 },
      image_count_total: { limit: 3, usage: 0 },
      image_count_uploading: { limit: 5, usage: 0 },
    });
    expect(after.image_size_total).toEqual({ limit: 2, usage: 1 });
    expect(after.image_count_total).toEqual({ limit: 3, usage: 1 });
  });
});

describe('image_stage_total', () => {
  it('stage stops past the limit', async () => {
    const client = admin.as(projectMember('staged'));
    const image = await rawImage(client);

    const res = await stage(client, image.id, Buffer.alloc(MIB + 1), true);

    expect(res.status).toBe(413);
    expect(res.text).toContain('image_stage_total');
    expect(await client.statusOf(image.id)).toBe('queued');
    expect(stagingFiles(image.id)).toEqual([]);
  });

  it('staged data counts in usage', async () => {
    const client = admin.as(projectMember('stage-usage'));
    const image = await rawImage(client);

    expect((await stage(client, image.id, Buffer.alloc(MIB))).status).toBe(204);

    const usage = (await client.get('/v2/info/usage')).json.usage;
    expect(usage.image_stage_total).toEqual({ limit: 1, usage: 1 });
    expect(usage.image_count_uploading).toEqual({ limit: 5, usage: 1 });
    const second = await rawImage(client);
    expect((await stage(client, second.id, Buffer.alloc(10))).status).toBe(413);
    expect(stagingFiles(second.id)).toEqual([]);
  });
});

describe('quotas in import tasks', () => {
  it('glance-direct past image_size_total fails', async () => {
    const client = admin.as(projectMember('importer'));
    const image = await rawImage(client);
    expect((await stage(client, image.id, Buffer.alloc(3 * MIB))).status).toBe(204);

    expect((await client.post(`/v2/images/${image.id}/import`, { method: { name: 'glance-direct' } })).status).toBe(202);

    const deadline = Date.now() + 10_000;
    let tasks: any[] = [];
    while (tasks[0]?.status !== 'failure' && tasks[0]?.status !== 'success') {
      if (Date.now() > deadline) throw new Error('timed out waiting for the import task');
      await new Promise((resolve) => setTimeout(resolve, 25));
      tasks = (await client.get(`/v2/images/${image.id}/tasks`)).json.tasks;
    }
    expect(tasks[0].status).toBe('failure');
    expect(tasks[0].message).toContain('image_size_total');
    expect(await client.statusOf(image.id)).toBe('queued');
    expect(await storedFilesOf(server, image.id)).toEqual([]);
  });
});

describe('image_count_uploading', () => {
  it('limit 0 refuses uploads and stages', async () => {
    const client = admin.as(projectMember('uploads'));
    const image = await rawImage(client);

    const upload = await client.upload(image.id, Buffer.from('data'));
    const staged = await stage(client, image.id, Buffer.from('data'));

    expect(upload.status).toBe(413);
    expect(upload.text).toContain('image_count_uploading');
    expect(staged.status).toBe(413);
    expect(await client.statusOf(image.id)).toBe('queued');
    expect(await storedFilesOf(server, image.id)).toEqual([]);
    expect(stagingFiles(image.id)).toEqual([]);
  });
});

describe('quotas off', () => {
  it('usage document is empty', async () => {
    const plain = await startTestServer();
    try {
      const client = new ApiClient(plain.url).as(projectMember('anyone'));

      const res = await client.get('/v2/info/usage');

      expect(res.status).toBe(200);
      expect(res.json).toEqual({ usage: {} });
    } finally {
      await plain.close();
    }
  });
});
