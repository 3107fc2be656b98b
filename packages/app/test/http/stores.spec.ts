import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApiClient, projectMember, startTestServer, TestServer } from './helpers';

/** Multi-store deployments: discovery, uploads to a named store, copy-image and deleting one copy. */

const DATA = Buffer.from('multi-store image data');

let server: TestServer;
let admin: ApiClient;

beforeAll(async () => {
  server = await startTestServer({
    IRIS_ENABLED_BACKENDS: 'fast:file,cheap:file,archive:file',
    IRIS_DEFAULT_BACKEND: 'fast',
    IRIS_STORE_DESCRIPTIONS: 'fast=Fast disks,cheap=Cheap disks',
  });
  admin = new ApiClient(server.url);
});

afterAll(async () => {
  await server.close();
});

function storeFile(store: string, id: string): string {
  const folder = store === 'fast' ? path.join(server.dataDir, 'images') : path.join(server.dataDir, 'stores', store);
  return path.join(folder, id);
}

async function uploadTo(store: string | null): Promise<string> {
  const image = await admin.createImage({ disk_format: 'raw', container_format: 'bare' });
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
  if (store !== null) headers['X-Image-Meta-Store'] = store;
  const res = await admin.request('PUT', `/v2/images/${image.id}/file`, { body: DATA, headers });
  if (res.status !== 204) throw new Error(`upload returned ${res.status}: ${res.text}`);
  return image.id;
}

async function waitForStores(id: string, expected: string): Promise<any> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const image = (await admin.get(`/v2/images/${id}`)).json;
    if (image.stores === expected && image.os_glance_import_task === undefined) return image;
    if (Date.now() > deadline) throw new Error(`timed out waiting for stores ${expected}: ${JSON.stringify(image)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('store discovery', () => {
  it('info/stores lists stores', async () => {
    const res = await admin.get('/v2/info/stores');

    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      stores: [
        { id: 'fast', description: 'Fast disks', default: 'true' },
        { id: 'cheap', description: 'Cheap disks' },
        { id: 'archive' },
      ],
    });
  });

  it('detail adds type and properties', async () => {
    const res = await admin.get('/v2/info/stores/detail');

    expect(res.status).toBe(200);
    expect(res.json.stores[1]).toMatchObject({ id: 'cheap', type: 'file', weight: 0 });
    expect(res.json.stores[1].properties.data_dir).toBe(path.join(server.dataDir, 'stores', 'cheap'));
  });

  it('detail needs admin', async () => {
    const member = admin.as(projectMember('stores-project'));

    expect((await member.get('/v2/info/stores/detail')).status).toBe(403);
    expect((await member.get('/v2/info/stores')).status).toBe(200);
  });

  it('versions list multi-store versions', async () => {
    const versions = (await admin.get('/versions')).json.versions;

    expect(versions.slice(0, 7).map((version: any) => version.id)).toEqual([
      'v2.13', 'v2.12', 'v2.11', 'v2.10', 'v2.9', 'v2.8', 'v2.7',
    ]);
    expect(versions.filter((version: any) => version.status === 'CURRENT')).toHaveLength(1);
    expect(versions[0].status).toBe('CURRENT');
  });

  it('image create sends store ids', async () => {
    const res = await admin.post('/v2/images', { name: 'store-ids' });

    expect(res.status).toBe(201);
    expect(res.headers['openstack-image-store-ids']).toBe('fast,cheap,archive');
  });
});

describe('uploads to stores', () => {
  it('default store without header', async () => {
    const id = await uploadTo(null);

    const image = (await admin.get(`/v2/images/${id}`)).json;
    expect(image.stores).toBe('fast');
    expect(existsSync(storeFile('fast', id))).toBe(true);
  });

  it('named store with header', async () => {
    const id = await uploadTo('cheap');

    const image = (await admin.get(`/v2/images/${id}`)).json;
    expect(image.stores).toBe('cheap');
    expect(existsSync(storeFile('cheap', id))).toBe(true);
    expect((await admin.get(`/v2/images/${id}/file`)).body.equals(DATA)).toBe(true);
  });

  it('unknown store gets 400', async () => {
    const image = await admin.createImage({ disk_format: 'raw', container_format: 'bare' });

    const res = await admin.request('PUT', `/v2/images/${image.id}/file`, {
      body: DATA,
      headers: { 'Content-Type': 'application/octet-stream', 'X-Image-Meta-Store': 'nowhere' },
    });

    expect(res.status).toBe(400);
    expect(await admin.statusOf(image.id)).toBe('queued');
  });

  it('stores cannot be patched', async () => {
    const id = await uploadTo(null);

    const res = await admin.patch(id, [{ op: 'replace', path: '/stores', value: 'cheap' }]);

    expect(res.status).toBe(403);
  });
});

describe('copy-image', () => {
  it('copies into named store', async () => {
    const id = await uploadTo('fast');

    const res = await admin.post(`/v2/images/${id}/import`, { method: { name: 'copy-image' }, stores: ['cheap'] });

    expect(res.status).toBe(202);
    const image = await waitForStores(id, 'fast,cheap');
    expect(image.status).toBe('active');
    expect(image.os_glance_importing_to_stores).toBe('');
    expect(image.os_glance_failed_import).toBe('');
    expect(existsSync(storeFile('cheap', id))).toBe(true);
  });

  it('all_stores skips stores with copies', async () => {
    const id = await uploadTo('cheap');

    expect((await admin.post(`/v2/images/${id}/import`, { method: { name: 'copy-image' }, all_stores: true })).status).toBe(202);

    await waitForStores(id, 'cheap,fast,archive');
    const again = await admin.post(`/v2/images/${id}/import`, { method: { name: 'copy-image' }, all_stores: true });
    expect(again.status).toBe(202);
  });

  it.each([
    ['a store with a copy gets 400', { method: { name: 'copy-image' }, stores: ['fast'] }, 400],
    ['an unknown store gets 409', { method: { name: 'copy-image' }, stores: ['nowhere'] }, 409],
    ['stores and all_stores gets 400', { method: { name: 'copy-image' }, stores: ['cheap'], all_stores: true }, 400],
  ])('%s', async (_name, body, status) => {
    const id = await uploadTo('fast');

    expect((await admin.post(`/v2/images/${id}/import`, body)).status).toBe(status);
  });

  it('queued image cannot be copied', async () => {
    const image = await admin.createImage({ disk_format: 'raw', container_format: 'bare' });

    const res = await admin.post(`/v2/images/${image.id}/import`, { method: { name: 'copy-image' } });

    expect(res.status).toBe(409);
  });

  it('non-admin cannot copy', async () => {
    const owner = admin.as(projectMember('copy-owner'));
    const id = await owner.createActiveImage(DATA);

    const res = await owner.post(`/v2/images/${id}/import`, { method: { name: 'copy-image' }, stores: ['cheap'] });

    expect(res.status).toBe(403);
  });
});

describe('DELETE /v2/stores/{store}/{image}', () => {
  it('deletes one copy', async () => {
    const id = await uploadTo('fast');
    await admin.post(`/v2/images/${id}/import`, { method: { name: 'copy-image' }, stores: ['cheap'] });
    await waitForStores(id, 'fast,cheap');

    const res = await admin.delete(`/v2/stores/fast/${id}`);

    expect(res.status).toBe(204);
    const image = (await admin.get(`/v2/images/${id}`)).json;
    expect(image.stores).toBe('cheap');
    expect(existsSync(storeFile('fast', id))).toBe(false);
    expect((await admin.get(`/v2/images/${id}/file`)).body.equals(DATA)).toBe(true);
  });

  it('last copy gets 403', async () => {
    const id = await uploadTo('fast');

    expect((await admin.delete(`/v2/stores/fast/${id}`)).status).toBe(403);
  });

  it('unknown store gets 409', async () => {
    const id = await uploadTo('fast');

    expect((await admin.delete(`/v2/stores/nowhere/${id}`)).status).toBe(409);
  });

  it('store without a copy gets 404', async () => {
    const id = await uploadTo('fast');
    await admin.post(`/v2/images/${id}/import`, { method: { name: 'copy-image' }, stores: ['cheap'] });
    await waitForStores(id, 'fast,cheap');

    expect((await admin.delete(`/v2/stores/archive/${id}`)).status).toBe(404);
  });
});

describe('single store', () => {
  let single: TestServer;
  let client: ApiClient;

  beforeAll(async () => {
    single = await startTestServer();
    client = new ApiClient(single.url);
  });

  afterAll(async () => {
    await single.close();
  });

  it('store routes get 404', async () => {
    const id = await client.createActiveImage(DATA);

    expect((await client.get('/v2/info/stores')).status).toBe(404);
    expect((await client.get('/v2/info/stores/detail')).status).toBe(404);
    expect((await client.delete(`/v2/stores/file/${id}`)).status).toBe(404);
  });

  it('images have no stores property', async () => {
    const id = await client.createActiveImage(DATA);

    expect((await client.get(`/v2/images/${id}`)).json.stores).toBeUndefined();
  });

  it('copy-image gets 400', async () => {
    const id = await client.createActiveImage(DATA);

    expect((await client.post(`/v2/images/${id}/import`, { method: { name: 'copy-image' } })).status).toBe(400);
  });
});
