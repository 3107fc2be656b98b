import {
  ApiClient,
  HttpResponse,
  PATCH_V20,
  PATCH_V21,
  projectMember,
  startTestServer,
  TestServer,
} from './helpers';

let server: TestServer;
let admin: ApiClient;
let owner: ApiClient;
let stranger: ApiClient;

const JSON_ACCEPT = { Accept: 'application/json' };

beforeAll(async () => {
  server = await startTestServer();
  admin = new ApiClient(server.url);
  owner = admin.as(projectMember('patch-owner'));
  stranger = admin.as(projectMember('patch-stranger'));
});

afterAll(async () => {
  await server.close();
});

async function newImage(fields: Record<string, unknown> = {}): Promise<string> {
  return (await owner.createImage({ name: 'patched', color: 'red', ...fields })).id;
}

function patch(id: string, operations: unknown, mediaType = PATCH_V21): Promise<HttpResponse> {
  return owner.request('PATCH', `/v2/images/${id}`, {
    json: operations,
    headers: { 'Content-Type': mediaType, ...JSON_ACCEPT },
  });
}

describe('PATCH media types', () => {
  it('v2.1 patch applies operations', async () => {
    const id = await newImage();

    const res = await patch(id, [
      { op: 'replace', path: '/name', value: 'renamed' },
      { op: 'add', path: '/size_class', value: 'small' },
      { op: 'remove', path: '/color' },
      { op: 'replace', path: '/min_ram', value: 1024 },
    ]);

    expect(res.status).toBe(200);
    expect(res.json.name).toBe('renamed');
    expect(res.json.size_class).toBe('small');
    expect(res.json.color).toBeUndefined();
    expect(res.json.min_ram).toBe(1024);
    expect((await owner.get(`/v2/images/${id}`)).json).toEqual(res.json);
  });

  it('v2.0 patch applies operations', async () => {
    const id = await newImage();

    const res = await patch(
      id,
      [
        { replace: '/name', value: 'old dialect' },
        { add: '/flavor', value: 'vanilla' },
        { remove: '/color' },
      ],
      PATCH_V20,
    );

    expect(res.status).toBe(200);
    expect(res.json.name).toBe('old dialect');
    expect(res.json.flavor).toBe('vanilla');
    expect(res.json.color).toBeUndefined();
  });

  it('media type parameters are accepted', async () => {
    const id = await newImage();

    const res = await patch(id, [], `${PATCH_V21}; charset=UTF-8`);

    expect(res.status).toBe(200);
  });

  it.each(['application/json', 'application/json-patch+json', 'text/plain'])(
    '%s is 415 with Accept-Patch',
    async (type) => {
      const id = await newImage();

      const res = await patch(id, [], type);

      expect(res.status).toBe(415);
      expect(res.headers['accept-patch']).toBe(`${PATCH_V20}, ${PATCH_V21}`);
      expect(res.json.code).toBe('415 Unsupported Media Type');
    },
  );

  it('missing content type is 415', async () => {
    const id = await newImage();

    const res = await owner.request('PATCH', `/v2/images/${id}`, { body: '[]' });

    expect(res.status).toBe(415);
    expect(res.headers['accept-patch']).toBe(`${PATCH_V20}, ${PATCH_V21}`);
  });

  it('empty patch returns image unchanged', async () => {
    const id = await newImage();
    const before = (await owner.get(`/v2/images/${id}`)).json;

    const res = await patch(id, []);

    expect(res.status).toBe(200);
    expect(res.json).toEqual(before);
  });
});

describe('PATCH operations', () => {
  it('v2.1 add replaces existing property', async () => {
    const id = await newImage();

    const res = await patch(id, [{ op: 'add', path: '/color', value: 'blue' }]);

    expect(res.status).toBe(200);
    expect(res.json.color).toBe('blue');
  });

  it('v2.0 add of existing property conflicts', async () => {
    const id = await newImage();

    const res = await patch(id, [{ add: '/color', value: 'blue' }], PATCH_V20);

    expect(res.status).toBe(409);
    expect(res.json.message).toContain('Property color already present.');
  });

  it('replace of missing property conflicts', async () => {
    const id = await newImage();

    const res = await patch(id, [{ op: 'replace', path: '/nope', value: 'x' }]);

    expect(res.status).toBe(409);
    expect(res.json.message).toContain('Property nope does not exist.');
  });

  it('remove of missing property conflicts', async () => {
    const id = await newImage();

    expect((await patch(id, [{ op: 'remove', path: '/nope' }])).status).toBe(409);
  });

  it.each(['name', 'tags', 'min_ram', 'visibility', 'disk_format'])(
    'remove base %s forbidden',
    async (attribute) => {
      const id = await newImage();

      const res = await patch(id, [{ op: 'remove', path: `/${attribute}` }]);

      expect(res.status).toBe(403);
      expect(res.json.message).toContain(`Property ${attribute} may not be removed.`);
    },
  );

  it('tags replaced as a set', async () => {
    const id = await newImage({ tags: ['old'] });

    const res = await patch(id, [{ op: 'replace', path: '/tags', value: ['a', 'b', 'a'] }]);

    expect(res.status).toBe(200);
    expect([...res.json.tags].sort()).toEqual(['a', 'b']);
  });

  it('JSON pointer escapes are decoded', async () => {
    const id = await newImage();

    const res = await patch(id, [{ op: 'add', path: '/a~1b~0c', value: 'x' }]);

    expect(res.status).toBe(200);
    expect(res.json['a/b~c']).toBe('x');
  });

  it('failed operation aborts whole patch', async () => {
    const id = await newImage();

    const res = await patch(id, [
      { op: 'replace', path: '/name', value: 'not saved' },
      { op: 'remove', path: '/nope' },
    ]);

    expect(res.status).toBe(409);
    expect((await owner.get(`/v2/images/${id}`)).json.name).toBe('patched');
  });

  it('formats change while queued', async () => {
    const id = await newImage();

    const res = await patch(id, [
      { op: 'replace', path: '/disk_format', value: 'raw' },
      { op: 'replace', path: '/container_format', value: 'bare' },
    ]);

    expect(res.status).toBe(200);
    expect(res.json.disk_format).toBe('raw');
    expect(res.json.container_format).toBe('bare');
  });

  it.each([
    ['disk_format', 'qcow2'],
    ['disk_format', 'raw'],
    ['container_format', 'bare'],
  ])('%s %s on active forbidden', async (attribute, value) => {
    const id = await owner.createActiveImage(Buffer.from('data'));

    const res = await patch(id, [{ op: 'replace', path: `/${attribute}`, value }]);

    expect(res.status).toBe(403);
    expect(res.json.message).toContain(`Attribute ${attribute} can be`);
  });

  it('visibility change to community', async () => {
    const id = await newImage();

    const res = await patch(id, [{ op: 'replace', path: '/visibility', value: 'community' }]);

    expect(res.status).toBe(200);
    expect(res.json.visibility).toBe('community');
  });

  it('only admin makes images public', async () => {
    const id = await newImage();
    const operations = [{ op: 'replace', path: '/visibility', value: 'public' }];

    expect((await patch(id, operations)).status).toBe(403);
    expect((await admin.patch(id, operations)).status).toBe(200);
  });

  it('only admin changes the owner', async () => {
    const id = await newImage();
    const operations = [{ op: 'replace', path: '/owner', value: 'new-owner' }];

    expect((await patch(id, operations)).status).toBe(403);
    const byAdmin = await admin.patch(id, operations);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.json.owner).toBe('new-owner');
  });
});

describe('PATCH errors', () => {
  it.each([
    ['object body', {}],
    ['non-object operation', [1]],
    ['move operation', [{ op: 'move', from: '/name', path: '/x' }]],
    ['test operation', [{ op: 'test', path: '/name', value: 'x' }]],
    ['missing op', [{ path: '/name', value: 'x' }]],
    ['missing path', [{ op: 'add', value: 'x' }]],
    ['missing value', [{ op: 'add', path: '/name' }]],
    ['path without slash', [{ op: 'add', path: 'name', value: 'x' }]],
    ['double slash', [{ op: 'add', path: '/a//b', value: 'x' }]],
    ['trailing slash', [{ op: 'add', path: '/name/', value: 'x' }]],
    ['bad tilde escape', [{ op: 'add', path: '/a~2b', value: 'x' }]],
    ['nested path', [{ op: 'add', path: '/tags/-', value: 'x' }]],
    ['numeric property', [{ op: 'add', path: '/prop', value: 5 }]],
    ['string min_ram', [{ op: 'replace', path: '/min_ram', value: '5' }]],
    ['negative min_disk', [{ op: 'replace', path: '/min_disk', value: -1 }]],
    ['min_disk over int32', [{ op: 'replace', path: '/min_disk', value: 2 ** 31 }]],
    ['unknown visibility', [{ op: 'replace', path: '/visibility', value: 'bogus' }]],
    ['unknown disk_format', [{ op: 'replace', path: '/disk_format', value: 'bogus' }]],
    ['long name', [{ op: 'replace', path: '/name', value: 'n'.repeat(256) }]],
  ])('%s is 400', async (_case, operations) => {
    const id = await newImage();

    const res = await patch(id, operations);

    expect(res.status).toBe(400);
    expect(res.json.code).toBe('400 Bad Request');
  });

  it('v2.0 operation with two ops is 400', async () => {
    const id = await newImage();

    const res = await patch(id, [{ add: '/x', replace: '/y', value: 'x' }], PATCH_V20);

    expect(res.status).toBe(400);
  });

  it('malformed JSON is 400', async () => {
    const id = await newImage();

    const res = await owner.request('PATCH', `/v2/images/${id}`, {
      body: '[{',
      headers: { 'Content-Type': PATCH_V21, ...JSON_ACCEPT },
    });

    expect(res.status).toBe(400);
    expect(res.json.message).toContain('Malformed JSON in request body.');
  });

  it.each([
    'status', 'id', 'checksum', 'size', 'virtual_size', 'created_at', 'updated_at',
    'os_hash_algo', 'os_hash_value', 'self', 'file', 'schema', 'direct_url',
  ])('read-only %s forbidden', async (attribute) => {
    const id = await newImage();

    const res = await patch(id, [{ op: 'replace', path: `/${attribute}`, value: 'x' }]);

    expect(res.status).toBe(403);
    expect(res.json.message).toContain(`Attribute '${attribute}' is read-only.`);
  });

  it.each(['os_glance_import_task', 'deleted', 'deleted_at', 'location'])(
    'reserved %s forbidden',
    async (attribute) => {
      const id = await newImage();

      const res = await patch(id, [{ op: 'add', path: `/${attribute}`, value: 'x' }]);

      expect(res.status).toBe(403);
      expect(res.json.message).toContain(`Attribute '${attribute}' is reserved.`);
    },
  );

  it('hidden locations cannot change', async () => {
    const id = await newImage();

    const res = await patch(id, [{ op: 'replace', path: '/locations', value: [] }]);

    expect(res.status).toBe(403);
  });

  it('unknown image is 404', async () => {
    const res = await patch('00000000-0000-0000-0000-000000000000', []);

    expect(res.status).toBe(404);
  });

  it('visible image of others forbidden', async () => {
    const image = await admin.createImage({ visibility: 'public', owner: 'patch-owner' });

    const res = await stranger.request('PATCH', `/v2/images/${image.id}`, {
      json: [{ op: 'replace', path: '/name', value: 'taken' }],
      headers: { 'Content-Type': PATCH_V21 },
    });

    expect(res.status).toBe(403);
  });

  it('invisible image of others 404', async () => {
    const id = await newImage({ visibility: 'private' });

    const res = await stranger.request('PATCH', `/v2/images/${id}`, {
      json: [{ op: 'replace', path: '/name', value: 'taken' }],
      headers: { 'Content-Type': PATCH_V21 },
    });

    expect(res.status).toBe(404);
  });
});
