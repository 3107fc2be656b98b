import {
  member,
  md5,
  OCTET_STREAM,
  randomData,
  RAW_BARE,
  reader,
  storedFiles,
  startV1Server,
  V1Client,
  V1TestServer,
} from './v1-helpers';

let server: V1TestServer;
let admin: V1Client;

const V1_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OWNER = 'project-owner';

beforeAll(async () => {
  server = await startV1Server();
  admin = new V1Client(server.url);
});

afterAll(async () => {
  await server.close();
});

describe('POST /v1/images', () => {
  it('reserves a queued image without data', async () => {
    const res = await admin.create({
      'x-image-meta-name': 'reserved',
      ...RAW_BARE,
    });

    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const image = res.json.image;
    expect(image.id).toMatch(UUID);
    expect(res.headers.location).toBe(`${server.url}/v1/images/${image.id}`);
    expect(res.headers.etag).toBeUndefined();
    expect(image.status).toBe('queued');
    expect(image.size).toBe(0);
    expect(image.checksum).toBeNull();
    expect(image.is_public).toBe(false);
    expect(image.deleted).toBe(false);
    expect(image.deleted_at).toBeNull();
    expect(image.created_at).toMatch(V1_TIME);
    expect(image.updated_at).toMatch(V1_TIME);
    expect(image.properties).toEqual({});
  });

  it('creates an active image from the body', async () => {
    const data = randomData(70_000);

    const res = await admin.create(
      { 'x-image-meta-name': 'with-data', ...RAW_BARE },
      data,
    );

    expect(res.status).toBe(201);
    const image = res.json.image;
    expect(image.status).toBe('active');
    expect(image.size).toBe(data.length);
    expect(image.checksum).toBe(md5(data));
    expect(res.headers.etag).toBe(md5(data));
    const download = await admin.get(`/v1/images/${image.id}`);
    expect(download.body.equals(data)).toBe(true);
  });

  it('creates an active image from a chunked body', async () => {
    const data = randomData(50_000);

    const res = await admin.create({ ...RAW_BARE }, data, { chunked: true });

    expect(res.status).toBe(201);
    expect(res.json.image.status).toBe('active');
    expect(res.json.image.size).toBe(data.length);
  });

  it('accepts a matching declared size and checksum', async () => {
    const data = randomData(1000);
    const declared = {
      'x-image-meta-size': '1000',
      'x-image-meta-checksum': md5(data),
    };

    const res = await admin.create({ ...RAW_BARE, ...declared }, data);

    expect(res.status).toBe(201);
    expect(res.json.image.status).toBe('active');
  });

  it('kills the image on a size mismatch', async () => {
    const data = randomData(1000);
    const id = 'a1000000-0000-4000-8000-000000000001';

    const res = await admin.create(
      { ...RAW_BARE, 'x-image-meta-id': id, 'x-image-meta-size': '999' },
      data,
    );

    expect(res.status).toBe(400);
    expect(res.text).toContain(
      'Supplied size (999) and size generated from uploaded image (1000)',
    );
    const head = await admin.head(`/v1/images/${id}`);
    expect(head.headers['x-image-meta-status']).toBe('killed');
    expect(await storedFiles(server)).not.toContainEqual(
      expect.stringContaining(id),
    );
  });

  it('kills the image on a checksum mismatch', async () => {
    const data = randomData(1000);
    const id = 'a1000000-0000-4000-8000-000000000002';
    const wrong = 'f'.repeat(32);

    const res = await admin.create(
      { ...RAW_BARE, 'x-image-meta-id': id, 'x-image-meta-checksum': wrong },
      data,
    );

    expect(res.status).toBe(400);
    expect(res.text).toContain(`Supplied checksum (${wrong})`);
    const head = await admin.head(`/v1/images/${id}`);
    expect(head.headers['x-image-meta-status']).toBe('killed');
    expect(await storedFiles(server)).not.toContainEqual(
      expect.stringContaining(id),
    );
  });

  it('uses the given id, and rejects it twice', async () => {
    const id = 'a1000000-0000-4000-8000-000000000003';

    const first = await admin.create({ 'x-image-meta-id': id });
    const second = await admin.create({ 'x-image-meta-id': id });

    expect(first.status).toBe(201);
    expect(first.json.image.id).toBe(id);
    expect(second.status).toBe(409);
  });

  it('rejects an id that is not a UUID', async () => {
    const res = await admin.create({ 'x-image-meta-id': 'not-a-uuid' });

    expect(res.status).toBe(400);
    expect(res.text).toContain('Invalid image id format');
  });

  it('accepts the file store and rejects others', async () => {
    const file = await admin.create(
      { ...RAW_BARE, 'x-image-meta-store': 'file' },
      randomData(10),
    );
    const swift = await admin.create({
      ...RAW_BARE,
      'x-image-meta-name': 'to-swift',
      'x-image-meta-store': 'swift',
    });

    expect(file.status).toBe(201);
    expect(swift.status).toBe(400);
    expect(swift.text).toContain('Required store swift is invalid');
    const listed = await admin.get('/v1/images?is_public=none&name=to-swift');
    expect(listed.json.images).toEqual([]);
  });

  it('normalises property header names', async () => {
    const res = await admin.create({
      'X-Image-Meta-Property-OS-Distro': 'debian',
      'x-image-meta-property-hw_disk_bus': 'virtio',
      'x-image-meta-property-empty': '',
    });

    expect(res.status).toBe(201);
    expect(res.json.image.properties).toEqual({
      os_distro: 'debian',
      hw_disk_bus: 'virtio',
      empty: null,
    });
    const head = await admin.head(`/v1/images/${res.json.image.id}`);
    expect(head.headers['x-image-meta-property-os_distro']).toBe('debian');
    expect(head.headers['x-image-meta-property-empty']).toBeUndefined();
  });

  it('reads dashes in field headers as underscores', async () => {
    const res = await admin.create({
      'x-image-meta-disk-format': 'qcow2',
      'x-image-meta-min-ram': '512',
    });

    expect(res.status).toBe(201);
    expect(res.json.image.disk_format).toBe('qcow2');
    expect(res.json.image.min_ram).toBe(512);
  });

  it('decodes UTF-8 header values', async () => {
    const name = 'Débian café';
    const res = await admin.create({
      'x-image-meta-name': Buffer.from(name, 'utf8').toString('latin1'),
    });

    expect(res.status).toBe(201);
    expect(res.json.image.name).toBe(name);
    const head = await admin.head(`/v1/images/${res.json.image.id}`);
    expect(
      Buffer.from(String(head.headers['x-image-meta-name']), 'latin1').toString(
        'utf8',
      ),
    ).toBe(name);
  });

  it.each([
    ['x-image-meta-colour', 'blue', 'Bad header: x-image-meta-colour'],
    ['x-image-meta-property', 'x', 'Bad header: x-image-meta-property'],
    [
      'x-image-meta-size',
      'ten',
      "Cannot convert image size 'ten' to an integer",
    ],
    ['x-image-meta-min_ram', '-1', 'Cannot be a negative value'],
    ['x-image-meta-min_disk', '2147483648', 'the maximum is 2147483647'],
    [
      'x-image-meta-disk_format',
      'floppy',
      "Invalid disk format 'floppy' for image.",
    ],
    [
      'x-image-meta-container_format',
      'zip',
      "Invalid container format 'zip' for image.",
    ],
    ['x-image-meta-checksum', 'a'.repeat(33), "can't exceed 32 characters"],
    ['x-image-meta-name', 'n'.repeat(256), 'Image name too long: 256'],
    [
      'x-image-meta-location',
      'http://127.0.0.1/image',
      'External sources are not supported',
    ],
    [
      'x-glance-api-copy-from',
      'http://127.0.0.1/image',
      'External sources are not supported',
    ],
  ])('rejects %s: %s', async (header, value, message) => {
    const res = await admin.create({ [header]: value });

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain(message);
  });

  it('rejects mixed Amazon formats and completes a lone one', async () => {
    const mixed = await admin.create({
      'x-image-meta-disk_format': 'aki',
      'x-image-meta-container_format': 'bare',
    });
    const lone = await admin.create({ 'x-image-meta-disk_format': 'ami' });

    expect(mixed.status).toBe(400);
    expect(mixed.text).toContain('Invalid mix of disk and container formats');
    expect(lone.status).toBe(201);
    expect(lone.json.image.container_format).toBe('ami');
  });

  it('requires formats before data', async () => {
    const res = await admin.create(
      { 'x-image-meta-name': 'no-formats' },
      randomData(10),
    );

    expect(res.status).toBe(400);
    expect(res.text).toContain('Disk format is not specified.');
    const listed = await admin.get('/v1/images?is_public=none&name=no-formats');
    expect(listed.json.images).toEqual([]);
  });

  it('requires an octet-stream body', async () => {
    const res = await admin.request('POST', '/v1/images', {
      headers: { ...RAW_BARE, 'Content-Type': 'text/plain' },
      body: 'data',
    });

    expect(res.status).toBe(400);
    expect(res.text).toContain('Content-Type must be application/octet-stream');
  });

  it('activates an image declared empty', async () => {
    const res = await admin.create({ 'x-image-meta-size': '0' });

    expect(res.status).toBe(201);
    expect(res.json.image.status).toBe('active');
    const download = await admin.get(`/v1/images/${res.json.image.id}`);
    expect(download.status).toBe(200);
    expect(download.headers['content-length']).toBe('0');
  });

  it('lets only an administrator publish and choose the owner', async () => {
    const byAdmin = await admin.create({
      'x-image-meta-is_public': 'True',
      'x-image-meta-owner': OWNER,
    });
    const publish = await admin
      .as(member(OWNER))
      .create({ 'x-image-meta-is_public': 'true' });
    const foreign = await admin
      .as(member(OWNER))
      .create({ 'x-image-meta-owner': 'someone-else' });

    expect(byAdmin.json.image.is_public).toBe(true);
    expect(byAdmin.json.image.owner).toBe(OWNER);
    expect(publish.status).toBe(403);
    expect(foreign.status).toBe(201);
    expect(foreign.json.image.owner).toBe(OWNER);
  });

  it('refuses a reader', async () => {
    const res = await admin
      .as(reader(OWNER))
      .create({ 'x-image-meta-name': 'by-reader' });

    expect(res.status).toBe(403);
  });

  it('renders errors as JSON when asked', async () => {
    const res = await admin.create({
      'x-image-meta-colour': 'blue',
      Accept: 'application/json',
    });

    expect(res.status).toBe(400);
    expect(res.json.code).toBe('400 Bad Request');
    expect(res.json.title).toBe('Bad Request');
    expect(res.json.message).toContain('Bad header: x-image-meta-colour');
  });
});

describe('HEAD /v1/images/{id}', () => {
  it('returns the metadata as headers', async () => {
    const data = randomData(3000);
    const image = await admin.createImage(
      {
        ...RAW_BARE,
        'x-image-meta-name': 'headed',
        'x-image-meta-min_disk': '2',
        'x-image-meta-owner': OWNER,
      },
      data,
    );

    const res = await admin.head(`/v1/images/${image.id}`);

    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(res.headers.etag).toBe(md5(data));
    expect(res.headers['x-image-meta-id']).toBe(image.id);
    expect(res.headers['x-image-meta-name']).toBe('headed');
    expect(res.headers['x-image-meta-status']).toBe('active');
    expect(res.headers['x-image-meta-size']).toBe('3000');
    expect(res.headers['x-image-meta-checksum']).toBe(md5(data));
    expect(res.headers['x-image-meta-disk_format']).toBe('raw');
    expect(res.headers['x-image-meta-container_format']).toBe('bare');
    expect(res.headers['x-image-meta-is_public']).toBe('False');
    expect(res.headers['x-image-meta-protected']).toBe('False');
    expect(res.headers['x-image-meta-deleted']).toBe('False');
    expect(res.headers['x-image-meta-min_disk']).toBe('2');
    expect(res.headers['x-image-meta-min_ram']).toBe('0');
    expect(res.headers['x-image-meta-owner']).toBe(OWNER);
    expect(res.headers['x-image-meta-created_at']).toMatch(V1_TIME);
    expect(res.headers['x-image-meta-deleted_at']).toBeUndefined();
  });

  it('returns 404 for an unknown image', async () => {
    const res = await admin.head(
      '/v1/images/a1000000-0000-4000-8000-0000000000ff',
    );

    expect(res.status).toBe(404);
  });

  it('hides another project image', async () => {
    const image = await admin.createImage({ 'x-image-meta-owner': OWNER });

    const res = await admin
      .as(member('project-stranger'))
      .head(`/v1/images/${image.id}`);

    expect(res.status).toBe(404);
  });
});

describe('GET /v1/images/{id}', () => {
  it('streams the data with its headers', async () => {
    const data = randomData(200_000);
    const image = await admin.createImage(
      { ...RAW_BARE, 'x-image-meta-name': 'download' },
      data,
    );

    const res = await admin.get(`/v1/images/${image.id}`);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-length']).toBe(String(data.length));
    expect(res.headers.etag).toBe(md5(data));
    expect(res.headers['x-image-meta-name']).toBe('download');
    expect(md5(res.body)).toBe(md5(data));
  });

  it('returns 404 for a queued image', async () => {
    const image = await admin.createImage({ ...RAW_BARE });

    const res = await admin.get(`/v1/images/${image.id}`);

    expect(res.status).toBe(404);
    expect(res.text).toContain(`Image ${image.id} is not active`);
  });

  it('returns 403 for a deactivated image', async () => {
    const image = await admin.createImage({ ...RAW_BARE }, randomData(10));
    await admin.request('POST', `/v2/images/${image.id}/actions/deactivate`);

    const res = await admin.get(`/v1/images/${image.id}`);

    expect(res.status).toBe(403);
    expect(res.text).toContain(`Image ${image.id} is deactivated`);
  });
});

describe('PUT /v1/images/{id}', () => {
  it('updates metadata and purges properties by default', async () => {
    const image = await admin.createImage({
      'x-image-meta-property-a': '1',
      'x-image-meta-property-b': '2',
    });

    const res = await admin.update(image.id, {
      'x-image-meta-name': 'renamed',
      'x-image-meta-property-c': '3',
    });

    expect(res.status).toBe(200);
    expect(res.json.image.name).toBe('renamed');
    expect(res.json.image.properties).toEqual({ c: '3' });
  });

  it('keeps properties when purging is off', async () => {
    const image = await admin.createImage({ 'x-image-meta-property-a': '1' });

    const res = await admin.update(image.id, {
      'x-glance-registry-purge-props': 'false',
      'x-image-meta-property-b': '2',
    });

    expect(res.status).toBe(200);
    expect(res.json.image.properties).toEqual({ a: '1', b: '2' });
  });

  it('uploads to a queued image without purging', async () => {
    const data = randomData(5000);
    const image = await admin.createImage({
      ...RAW_BARE,
      'x-image-meta-property-kept': 'yes',
    });

    const res = await admin.update(
      image.id,
      { 'x-image-meta-property-added': 'too' },
      data,
    );

    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe(md5(data));
    expect(res.json.image.status).toBe('active');
    expect(res.json.image.checksum).toBe(md5(data));
    expect(res.json.image.properties).toEqual({ kept: 'yes', added: 'too' });
  });

  it('returns 409 for data to an image with data', async () => {
    const image = await admin.createImage({ ...RAW_BARE }, randomData(10));

    const res = await admin.update(image.id, {}, randomData(10));

    expect(res.status).toBe(409);
    expect(res.text).toContain('Cannot upload to an unqueued image');
  });

  it('checks the size declared at reservation', async () => {
    const image = await admin.createImage({
      ...RAW_BARE,
      'x-image-meta-size': '100',
    });

    const res = await admin.update(image.id, {}, randomData(50));

    expect(res.status).toBe(400);
    expect(res.text).toContain('Supplied size (100)');
    const head = await admin.head(`/v1/images/${image.id}`);
    expect(head.headers['x-image-meta-status']).toBe('killed');
    expect(await storedFiles(server)).not.toContainEqual(
      expect.stringContaining(image.id),
    );
  });

  it('checks a checksum given with the upload', async () => {
    const image = await admin.createImage({ ...RAW_BARE });

    const res = await admin.update(
      image.id,
      { 'x-image-meta-checksum': '0'.repeat(32) },
      randomData(50),
    );

    expect(res.status).toBe(400);
    expect(res.text).toContain('Supplied checksum');
  });

  it.each([
    ['x-image-meta-status', 'active', "Forbidden to modify 'status' of image."],
    [
      'x-image-meta-id',
      'a1000000-0000-4000-8000-0000000000aa',
      "Forbidden to modify 'id' of image.",
    ],
  ])('refuses to change %s', async (header, value, message) => {
    const image = await admin.createImage({});

    const res = await admin.update(image.id, { [header]: value });

    expect(res.status).toBe(403);
    expect(res.text).toContain(message);
  });

  it('lets only an administrator change the size of an active image', async () => {
    const image = await admin.createImage(
      { ...RAW_BARE, 'x-image-meta-owner': OWNER },
      randomData(10),
    );

    const byMember = await admin
      .as(member(OWNER))
      .update(image.id, { 'x-image-meta-size': '11' });
    const byAdmin = await admin.update(image.id, { 'x-image-meta-size': '11' });

    expect(byMember.status).toBe(403);
    expect(byMember.text).toContain(
      "Forbidden to modify 'size' of active image.",
    );
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.json.image.size).toBe(11);
  });

  it('ignores the owner header of a non-administrator', async () => {
    const image = await admin.createImage({ 'x-image-meta-owner': OWNER });

    const res = await admin
      .as(member(OWNER))
      .update(image.id, { 'x-image-meta-owner': 'other' });

    expect(res.status).toBe(200);
    expect(res.json.image.owner).toBe(OWNER);
  });

  it('returns 404 for an unknown image', async () => {
    const res = await admin.update('a1000000-0000-4000-8000-0000000000fe', {
      'x-image-meta-name': 'x',
    });

    expect(res.status).toBe(404);
  });
});

describe('DELETE /v1/images/{id}', () => {
  it('deletes with 200 and removes the data', async () => {
    const image = await admin.createImage({ ...RAW_BARE }, randomData(100));

    const res = await admin.delete(`/v1/images/${image.id}`);

    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect((await admin.head(`/v1/images/${image.id}`)).status).toBe(404);
    expect(await storedFiles(server)).not.toContainEqual(
      expect.stringContaining(image.id),
    );
  });

  it('refuses a protected image', async () => {
    const image = await admin.createImage({ 'x-image-meta-protected': 'True' });

    const res = await admin.delete(`/v1/images/${image.id}`);

    expect(res.status).toBe(403);
  });

  it('returns 404 for an unknown image', async () => {
    const res = await admin.delete(
      '/v1/images/a1000000-0000-4000-8000-0000000000fd',
    );

    expect(res.status).toBe(404);
  });
});

describe('method and path routing', () => {
  it.each([
    ['HEAD', '/v1/images', 'GET, POST'],
    ['DELETE', '/v1/images', 'GET, POST'],
    ['PUT', '/v1/images/detail', 'GET, HEAD'],
    [
      'POST',
      '/v1/images/a1000000-0000-4000-8000-000000000001',
      'GET, HEAD, PUT, DELETE',
    ],
  ])('%s %s returns 405', async (method, target, allow) => {
    const res = await admin.request(method, target);

    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
  });

  it('refuses HEAD on the detail listing', async () => {
    const res = await admin.head('/v1/images/detail');

    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
  });

  it('returns 404 for an unknown path', async () => {
    const res = await admin.get('/v1/flavors');

    expect(res.status).toBe(404);
  });

  it('serves v1.0 and v1.1 paths and the bare root', async () => {
    const root = await admin.get('/v1/');
    const old = await admin.get('/v1.0/images');
    const newer = await admin.get('/v1.1/images/detail');
    const bare = await admin.get('/v1');

    expect(root.status).toBe(200);
    expect(Array.isArray(root.json.images)).toBe(true);
    expect(old.status).toBe(200);
    expect(newer.status).toBe(200);
    expect(bare.status).toBe(302);
    expect(bare.headers.location).toBe(`${server.url}/v1/`);
  });

  it('serves v1 by Accept header', async () => {
    const res = await admin.get('/images', {
      Accept: 'application/vnd.openstack.images-v1',
    });

    expect(res.status).toBe(200);
    expect(Array.isArray(res.json.images)).toBe(true);
  });
});
