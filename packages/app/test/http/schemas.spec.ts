import { ApiClient, startTestServer, TestServer } from './helpers';

let server: TestServer;
let api: ApiClient;

beforeAll(async () => {
  server = await startTestServer();
  api = new ApiClient(server.url);
});

afterAll(async () => {
  await server.close();
});

/**
 * Drops every `description` text, which is prose and free to differ from
 * Glance's. The image property that is named `description` is an object and stays.
 */
function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).filter(
    ([key, item]) => key !== 'description' || typeof item !== 'string',
  );
  return Object.fromEntries(entries.map(([key, item]) => [key, withoutDescriptions(item)]));
}

/** Fetches a schema document, checks the response and strips its descriptions. */
async function schema(name: string): Promise<Record<string, any>> {
  const res = await api.get(`/v2/schemas/${name}`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return withoutDescriptions(res.json) as Record<string, any>;
}

const UUID_PATTERN =
  '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

const GLANCE_DISK_FORMATS = [
  null, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop',
];
const GLANCE_CONTAINER_FORMATS = [
  null, 'ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed',
];

const MEMBER_SCHEMA = {
  name: 'member',
  properties: {
    created_at: { type: 'string' },
    image_id: { pattern: UUID_PATTERN, type: 'string' },
    member_id: { type: 'string' },
    schema: { readOnly: true, type: 'string' },
    status: { enum: ['pending', 'accepted', 'rejected'], type: 'string' },
    updated_at: { type: 'string' },
  },
};

describe('GET /v2/schemas/image', () => {
  it('custom properties must be strings', async () => {
    const image = await schema('image');

    expect(image.name).toBe('image');
    expect(image.additionalProperties).toEqual({ type: 'string' });
    expect(image.required).toBeUndefined();
  });

  it('links self, enclosure and describedby', async () => {
    expect((await schema('image')).links).toEqual([
      { href: '{self}', rel: 'self' },
      { href: '{file}', rel: 'enclosure' },
      { href: '{schema}', rel: 'describedby' },
    ]);
  });

  it('format enums equal Glance lists', async () => {
    const { properties } = await schema('image');

    expect(properties.disk_format).toEqual({ enum: GLANCE_DISK_FORMATS, type: ['null', 'string'] });
    expect(properties.container_format).toEqual({
      enum: GLANCE_CONTAINER_FORMATS,
      type: ['null', 'string'],
    });
  });

  it('lists every Glance property', async () => {
    const { properties } = await schema('image');

    expect(Object.keys(properties).sort()).toEqual([
      'architecture', 'checksum', 'cinder_encryption_key_deletion_policy',
      'cinder_encryption_key_id', 'container_format', 'created_at', 'description', 'direct_url',
      'disk_format', 'file', 'id', 'instance_uuid', 'kernel_id', 'locations', 'min_disk',
      'min_ram', 'name', 'os_distro', 'os_hash_algo', 'os_hash_value', 'os_hidden',
      'os_version', 'owner', 'protected', 'ramdisk_id', 'schema', 'self', 'size', 'status',
      'stores', 'tags', 'updated_at', 'virtual_size', 'visibility',
    ]);
  });

  it('base property types match Glance', async () => {
    const { properties } = await schema('image');

    expect(properties.id).toEqual({ pattern: UUID_PATTERN, type: 'string' });
    expect(properties.name).toEqual({ maxLength: 255, type: ['null', 'string'] });
    expect(properties.status).toEqual({
      enum: [
        'queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing',
        'pending_delete', 'deactivated',
      ],
      readOnly: true,
      type: 'string',
    });
    expect(properties.visibility).toEqual({
      enum: ['community', 'public', 'private', 'shared'],
      type: 'string',
    });
    expect(properties.tags).toEqual({ items: { maxLength: 255, type: 'string' }, type: 'array' });
    expect(properties.size).toEqual({ readOnly: true, type: ['null', 'integer'] });
    expect(properties.checksum).toEqual({
      maxLength: 32,
      readOnly: true,
      type: ['null', 'string'],
    });
    expect(properties.os_hash_algo).toEqual({
      maxLength: 64,
      readOnly: true,
      type: ['null', 'string'],
    });
    expect(properties.os_hash_value).toEqual({
      maxLength: 128,
      readOnly: true,
      type: ['null', 'string'],
    });
    expect(properties.min_ram).toEqual({ type: 'integer' });
    expect(properties.protected).toEqual({ type: 'boolean' });
    expect(properties.created_at).toEqual({ readOnly: true, type: 'string' });
  });

  it('extra properties are not base', async () => {
    const { properties } = await schema('image');

    expect(properties.architecture).toEqual({ is_base: false, type: 'string' });
    expect(properties.kernel_id).toEqual({
      is_base: false,
      pattern: UUID_PATTERN,
      type: ['null', 'string'],
    });
    expect(properties.cinder_encryption_key_deletion_policy).toEqual({
      enum: ['on_image_deletion', 'do_not_delete'],
      is_base: false,
      type: 'string',
    });
  });
});

describe('GET /v2/schemas/images', () => {
  it('wraps the image schema', async () => {
    const images = await schema('images');
    const image = await schema('image');

    expect(images.name).toBe('images');
    expect(images.properties.images).toEqual({ items: image, type: 'array' });
    expect(images.properties.first).toEqual({ type: 'string' });
    expect(images.properties.next).toEqual({ type: 'string' });
    expect(images.properties.schema).toEqual({ type: 'string' });
    expect(images.links).toEqual([
      { href: '{first}', rel: 'first' },
      { href: '{next}', rel: 'next' },
      { href: '{schema}', rel: 'describedby' },
    ]);
  });
});

describe('member schemas', () => {
  it('member schema matches Glance', async () => {
    expect(await schema('member')).toEqual(MEMBER_SCHEMA);
  });

  it('members schema wraps member', async () => {
    expect(await schema('members')).toEqual({
      name: 'members',
      properties: {
        members: { items: MEMBER_SCHEMA, type: 'array' },
        schema: { type: 'string' },
      },
      links: [{ href: '{schema}', rel: 'describedby' }],
    });
  });
});

describe('schema routes', () => {
  it('unknown schema is 404', async () => {
    expect((await api.get('/v2/schemas/nothing')).status).toBe(404);
  });

  it('body on schema GET is 400', async () => {
    const res = await api.request('GET', '/v2/schemas/image', { body: '{}' });

    expect(res.status).toBe(400);
  });

  it('schemas answer every identity', async () => {
    const res = await api.get('/v2/schemas/image', { 'X-Project-Id': 'p', 'X-Roles': 'reader' });

    expect(res.status).toBe(200);
  });
});
