import { randomUUID } from 'node:crypto';
import {
  ApiClient,
  projectMember,
  projectReader,
  startTestServer,
  storedFilesOf,
  TestServer,
} from './helpers';

let server: TestServer;
let admin: ApiClient;
let owner: ApiClient;
let stranger: ApiClient;

const DATA = Buffer.from('image data for the images suite');
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

beforeAll(async () => {
  server = await startTestServer();
  admin = new ApiClient(server.url);
  owner = admin.as(projectMember('owner-project'));
  stranger = admin.as(projectMember('stranger-project'));
});

afterAll(async () => {
  await server.close();
});

describe('POST /v2/images', () => {
  it('single store sends no store ids', async () => {
    const res = await admin.post('/v2/images', { name: 'one-store' });

    expect(res.status).toBe(201);
    expect(res.headers['openstack-image-import-methods']).toBe('glance-direct,web-download,copy-image');
    expect(res.headers).not.toHaveProperty('openstack-image-store-ids');
  });

  it('creates queued image with defaults', async () => {
    const res = await admin.post('/v2/images', { name: 'defaults' });

    expect(res.status).toBe(201);
    const image = res.json;
    expect(res.headers.location).toBe(`${server.url}/v2/images/${image.id}`);
    expect(image).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'defaults',
      status: 'queued',
      visibility: 'shared',
      protected: false,
      os_hidden: false,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      owner: null,
      size: null,
      virtual_size: null,
      container_format: null,
      disk_format: null,
      min_ram: 0,
      min_disk: 0,
      created_at: expect.stringMatching(ISO_TIME),
      updated_at: expect.stringMatching(ISO_TIME),
      tags: [],
      self: `/v2/images/${image.id}`,
      file: `/v2/images/${image.id}/file`,
      schema: '/v2/schemas/image',
    });
  });

  it('keeps given fields and properties', async () => {
    const id = randomUUID();
    const image = await admin.createImage({
      id,
      name: 'full',
      visibility: 'private',
      protected: true,
      os_hidden: true,
      disk_format: 'qcow2',
      container_format: 'bare',
      min_ram: 512,
      min_disk: 2,
      tags: ['b', 'a', 'b'],
      os_distro: 'debian',
      color: 'blue',
    });

    expect(image.id).toBe(id);
    expect(image.visibility).toBe('private');
    expect(image.protected).toBe(true);
    expect(image.os_hidden).toBe(true);
    expect(image.disk_format).toBe('qcow2');
    expect(image.container_format).toBe('bare');
    expect(image.min_ram).toBe(512);
    expect(image.min_disk).toBe(2);
    expect(image.tags).toEqual(['b', 'a']);
    expect(image.os_distro).toBe('debian');
    expect(image.color).toBe('blue');
    await admin.patch(id, [{ op: 'replace', path: '/protected', value: false }]);
  });

  it('keeps properties named like Object members', async () => {
    const names = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__'];
    // JSON.stringify of an object literal would drop __proto__, so the body is written out.
    const body = `{"name":"object-names",${names.map((name, i) => `"${name}":"v${i}"`).join(',')}}`;
    const created = await admin.request('POST', '/v2/images', {
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;

    const stored = JSON.parse((await admin.get(`/v2/images/${id}`)).text) as Record<string, unknown>;
    names.forEach((name, i) => expect(Object.getOwnPropertyDescriptor(stored, name)?.value).toBe(`v${i}`));

    const listed = await admin.get('/v2/images?constructor=v0&__proto__=v4');
    expect(listed.json.images.map((image: { id: string }) => image.id)).toEqual([id]);
    expect((await admin.get('/v2/images?constructor=other')).json.images).toEqual([]);

    const patched = await admin.patch(id, [
      { op: 'remove', path: '/constructor' },
      { op: 'replace', path: '/__proto__', value: 'changed' },
      { op: 'add', path: '/isPrototypeOf', value: 'added' },
    ]);
    expect(patched.status).toBe(200);
    const after = JSON.parse((await admin.get(`/v2/images/${id}`)).text) as Record<string, unknown>;
    expect(Object.hasOwn(after, 'constructor')).toBe(false);
    expect(Object.getOwnPropertyDescriptor(after, '__proto__')?.value).toBe('changed');
    expect(after.isPrototypeOf).toBe('added');
    expect(after.toString).toBe('v1');
  });

  it('owner defaults to caller project', async () => {
    const image = await owner.createImage({ name: 'owned' });

    expect(image.owner).toBe('owner-project');
  });

  it('admin may name any owner', async () => {
    const image = await admin.createImage({ owner: 'someone-else' });

    expect(image.owner).toBe('someone-else');
  });

  it('member naming another owner forbidden', async () => {
    const res = await owner.post('/v2/images', { owner: 'someone-else' });

    expect(res.status).toBe(403);
  });

  it('reader cannot create images', async () => {
    const res = await admin.as(projectReader('owner-project')).post('/v2/images', {});

    expect(res.status).toBe(403);
  });

  it('only admin creates public images', async () => {
    const byMember = await owner.post('/v2/images', { visibility: 'public' });
    const byAdmin = await admin.post('/v2/images', { visibility: 'public' });

    expect(byMember.status).toBe(403);
    expect(byAdmin.status).toBe(201);
  });

  it('member creates community image', async () => {
    const res = await owner.post('/v2/images', { visibility: 'community' });

    expect(res.status).toBe(201);
    expect(res.json.visibility).toBe('community');
  });

  it('duplicate id conflicts', async () => {
    const id = randomUUID();
    await admin.createImage({ id });

    const res = await admin.post('/v2/images', { id }, { Accept: 'application/json' });

    expect(res.status).toBe(409);
    expect(res.json.message).toContain(id);
  });

  it('id of deleted image conflicts', async () => {
    const id = randomUUID();
    await admin.createImage({ id });
    expect((await admin.delete(`/v2/images/${id}`)).status).toBe(204);

    const res = await admin.post('/v2/images', { id });

    expect(res.status).toBe(409);
  });

  it.each([
    ['status', 'active'],
    ['size', 5],
    ['virtual_size', 5],
    ['checksum', 'x'],
    ['created_at', 'x'],
    ['updated_at', 'x'],
    ['self', 'x'],
    ['file', 'x'],
    ['schema', 'x'],
    ['direct_url', 'x'],
    ['stores', 'x'],
  ])('read-only %s forbidden', async (attribute, value) => {
    const json = { Accept: 'application/json' };
    const res = await admin.post('/v2/images', { [attribute]: value }, json);

    expect(res.status).toBe(403);
    expect(res.json.message).toContain(`Attribute '${attribute}' is read-only.`);
  });

  it('schema check precedes read-only check', async () => {
    const res = await admin.post('/v2/images', { status: 'not-a-status' });

    expect(res.status).toBe(400);
  });

  it.each(['os_glance_import_task', 'location', 'deleted', 'deleted_at'])(
    'reserved %s forbidden',
    async (attribute) => {
      const json = { Accept: 'application/json' };
      const res = await admin.post('/v2/images', { [attribute]: 'x' }, json);

      expect(res.status).toBe(403);
      expect(res.json.message).toContain(`Attribute '${attribute}' is reserved.`);
    },
  );

  it('locations reserved at create', async () => {
    const res = await admin.post('/v2/images', { locations: [] });

    expect(res.status).toBe(403);
  });

  it('client hashes are dropped', async () => {
    const image = await admin.createImage({ os_hash_algo: 'md5', os_hash_value: 'abc' });

    expect(image.os_hash_algo).toBeNull();
    expect(image.os_hash_value).toBeNull();
  });

  it.each([
    ['bad id', { id: 'not-a-uuid' }],
    ['long name', { name: 'n'.repeat(256) }],
    ['numeric name', { name: 5 }],
    ['numeric property', { color: 5 }],
    ['null extra property', { os_distro: null }],
    ['string min_ram', { min_ram: '1' }],
    ['negative min_ram', { min_ram: -1 }],
    ['min_disk over int32', { min_disk: 2 ** 31 }],
    ['unknown visibility', { visibility: 'bogus' }],
    ['unknown disk_format', { disk_format: 'bogus' }],
    ['unknown container_format', { container_format: 'bogus' }],
    ['string tags', { tags: 'x' }],
    ['numeric tag', { tags: [1] }],
    ['long tag', { tags: ['t'.repeat(256)] }],
    ['string protected', { protected: 'yes' }],
    ['long property key', { ['k'.repeat(256)]: 'v' }],
  ])('%s is 400', async (_case, body) => {
    const res = await admin.post('/v2/images', body);

    expect(res.status).toBe(400);
  });
});

describe('GET /v2/images/{id}', () => {
  it('shows the created image', async () => {
    const created = await admin.createImage({ name: 'shown', color: 'red' });

    const res = await admin.get(`/v2/images/${created.id}`);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toEqual(created);
  });

  it('unknown id is 404', async () => {
    const res = await admin.get(`/v2/images/${randomUUID()}`);

    expect(res.status).toBe(404);
  });

  it('private image hidden from others', async () => {
    const image = await owner.createImage({ visibility: 'private' });

    expect((await owner.get(`/v2/images/${image.id}`)).status).toBe(200);
    expect((await stranger.get(`/v2/images/${image.id}`)).status).toBe(404);
    expect((await admin.get(`/v2/images/${image.id}`)).status).toBe(200);
  });

  it('shared image hidden from non-members', async () => {
    const image = await owner.createImage({ visibility: 'shared' });

    expect((await stranger.get(`/v2/images/${image.id}`)).status).toBe(404);
  });

  it.each(['public', 'community'])('%s image visible to all', async (visibility) => {
    const image = await admin.createImage({ visibility, owner: 'owner-project' });

    expect((await stranger.get(`/v2/images/${image.id}`)).status).toBe(200);
  });
});

describe('DELETE /v2/images/{id}', () => {
  it('deletes image and its data', async () => {
    const id = await owner.createActiveImage(DATA);
    expect(await storedFilesOf(server, id)).toHaveLength(1);

    const res = await owner.delete(`/v2/images/${id}`);

    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await owner.get(`/v2/images/${id}`)).status).toBe(404);
    expect(await storedFilesOf(server, id)).toEqual([]);
  });

  it('deleted image disappears from listing', async () => {
    const image = await admin.createImage({ name: 'to be deleted' });
    await admin.delete(`/v2/images/${image.id}`);

    const res = await admin.get('/v2/images?name=to%20be%20deleted');

    expect(res.json.images).toEqual([]);
  });

  it('second delete is 404', async () => {
    const image = await admin.createImage();
    await admin.delete(`/v2/images/${image.id}`);

    const res = await admin.delete(`/v2/images/${image.id}`);

    expect(res.status).toBe(404);
  });

  it('protected image cannot be deleted', async () => {
    const image = await admin.createImage({ protected: true });

    const res = await admin.delete(`/v2/images/${image.id}`, { Accept: 'application/json' });

    expect(res.status).toBe(403);
    expect(res.json.message).toContain(`Image ${image.id} is protected and cannot be deleted.`);
    expect((await admin.get(`/v2/images/${image.id}`)).status).toBe(200);
  });

  it('unprotected image can be deleted', async () => {
    const image = await admin.createImage({ protected: true });
    await admin.patch(image.id, [{ op: 'replace', path: '/protected', value: false }]);

    const res = await admin.delete(`/v2/images/${image.id}`);

    expect(res.status).toBe(204);
  });

  it('visible image of others forbidden', async () => {
    const image = await admin.createImage({ visibility: 'public', owner: 'owner-project' });

    const res = await stranger.delete(`/v2/images/${image.id}`);

    expect(res.status).toBe(403);
  });

  it('invisible image of others 404', async () => {
    const image = await owner.createImage({ visibility: 'private' });

    const res = await stranger.delete(`/v2/images/${image.id}`);

    expect(res.status).toBe(404);
  });
});

describe('deactivate and reactivate', () => {
  const headers = { Accept: 'application/json' };
  const deactivate = (client: ApiClient, id: string) =>
    client.request('POST', `/v2/images/${id}/actions/deactivate`, { headers });
  const reactivate = (client: ApiClient, id: string) =>
    client.request('POST', `/v2/images/${id}/actions/reactivate`, { headers });

  it('deactivates and reactivates image', async () => {
    const id = await owner.createActiveImage(DATA);

    const off = await deactivate(owner, id);
    expect(off.status).toBe(204);
    expect(off.text).toBe('');
    expect(await owner.statusOf(id)).toBe('deactivated');

    const on = await reactivate(owner, id);
    expect(on.status).toBe(204);
    expect(await owner.statusOf(id)).toBe('active');
  });

  it('repeated actions are no-ops', async () => {
    const id = await owner.createActiveImage(DATA);

    expect((await reactivate(owner, id)).status).toBe(204);
    expect(await owner.statusOf(id)).toBe('active');
    expect((await deactivate(owner, id)).status).toBe(204);
    expect((await deactivate(owner, id)).status).toBe(204);
    expect(await owner.statusOf(id)).toBe('deactivated');
  });

  it('queued image cannot be deactivated', async () => {
    const image = await admin.createImage();

    const res = await deactivate(admin, image.id);

    expect(res.status).toBe(403);
    expect(res.json.message).toContain("Not allowed to deactivate image in status 'queued'");
  });

  it('queued image cannot be reactivated', async () => {
    const image = await admin.createImage();

    const res = await reactivate(admin, image.id);

    expect(res.status).toBe(403);
    expect(res.json.message).toContain("Not allowed to reactivate image in status 'queued'");
  });

  it('other project cannot deactivate', async () => {
    const fields = { visibility: 'public', owner: 'owner-project' };
    const id = await admin.createActiveImage(DATA, fields);

    expect((await deactivate(stranger, id)).status).toBe(403);
    expect(await admin.statusOf(id)).toBe('active');
  });

  it('invisible image action 404', async () => {
    const image = await owner.createImage({ visibility: 'private' });

    expect((await deactivate(stranger, image.id)).status).toBe(404);
  });

  it('action with body is 400', async () => {
    const id = await admin.createActiveImage(DATA);

    const res = await admin.request('POST', `/v2/images/${id}/actions/deactivate`, { json: {} });

    expect(res.status).toBe(400);
    expect(await admin.statusOf(id)).toBe('active');
  });

  it('unknown action is 404', async () => {
    const image = await admin.createImage();

    const res = await admin.post(`/v2/images/${image.id}/actions/explode`);

    expect(res.status).toBe(404);
  });
});
