import { createHash } from 'node:crypto';
import { ApiClient, projectMember, startTestServer, TestServer } from './helpers';

let server: TestServer;
let admin: ApiClient;
let owner: ApiClient;
let stranger: ApiClient;

interface Fixture {
  id: string;
  name: string;
  created_at: string;
}

/** Images that beforeAll creates, by name. */
const fixtures = new Map<string, Fixture>();
const SMALL_DATA = Buffer.from('0123456789');
const LARGE_DATA = Buffer.alloc(100, 'x');

/** A time strictly between the creation of the early and the late images. */
let boundary: string;

async function waitForNextSecond(): Promise<void> {
  const now = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 1000 - (now % 1000) + 20));
}

beforeAll(async () => {
  server = await startTestServer();
  admin = new ApiClient(server.url);
  owner = admin.as(projectMember('list-owner'));
  stranger = admin.as(projectMember('list-stranger'));

  const raw = { disk_format: 'raw', container_format: 'bare' };
  const specs: Record<string, unknown>[] = [
    {
      name: 'alpha',
      disk_format: 'qcow2',
      container_format: 'bare',
      tags: ['red', 'round'],
      color: 'blue',
      min_ram: 512,
      protected: true,
    },
    { name: 'beta', ...raw, tags: ['red'] },
    { name: 'gamma', ...raw, color: 'green' },
    { name: 'delta', visibility: 'private', disk_format: 'iso', container_format: 'ovf' },
    { name: 'comma,name' },
  ];
  for (const fields of specs) {
    const image = await owner.createImage(fields);
    fixtures.set(image.name, image);
  }
  await owner.upload(fixtures.get('beta')!.id, SMALL_DATA);
  await owner.upload(fixtures.get('gamma')!.id, LARGE_DATA);
  await owner.createImage({ name: 'hidden', os_hidden: true });
  await owner.createImage({ name: 'community', visibility: 'community' });

  await waitForNextSecond();
  boundary = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  await waitForNextSecond();
  const late = await owner.createImage({ name: 'late' });
  fixtures.set('late', late);
});

afterAll(async () => {
  await server.close();
});

async function namesOf(query: string, client: ApiClient = owner): Promise<string[]> {
  const res = await client.get(`/v2/images${query === '' ? '' : `?${query}`}`);
  if (res.status !== 200) {
    throw new Error(`GET /v2/images?${query} returned ${res.status}: ${res.text}`);
  }
  return res.json.images.map((image: { name: string }) => image.name);
}

async function statusOf(query: string, client: ApiClient = owner): Promise<number> {
  return (await client.get(`/v2/images?${query}`)).status;
}

/** Sorts like Glance's default order: newest first, then by id descending. */
function byCreatedThenId(a: Fixture, b: Fixture): number {
  return b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id);
}

const DEFAULT_NAMES = ['alpha', 'beta', 'gamma', 'delta', 'comma,name', 'community', 'late'];

describe('GET /v2/images paging', () => {
  it('lists with first and schema links', async () => {
    const res = await owner.get('/v2/images');

    expect(res.status).toBe(200);
    expect(res.json.first).toBe('/v2/images');
    expect(res.json.schema).toBe('/v2/schemas/images');
    expect(res.json.next).toBeUndefined();
    const names = res.json.images.map((image: Fixture) => image.name);
    expect(names.sort()).toEqual([...DEFAULT_NAMES].sort());
  });

  it('default order is newest first', async () => {
    const listed = (await owner.get('/v2/images')).json.images as Fixture[];

    const expected = [...listed].sort(byCreatedThenId);
    expect(listed.map((image) => image.id)).toEqual(expected.map((image) => image.id));
    expect(listed[0].name).toBe('late');
  });

  it('items match the show representation', async () => {
    const alpha = fixtures.get('alpha')!;
    const listed = (await owner.get('/v2/images?name=alpha')).json.images;

    expect(listed).toEqual([(await owner.get(`/v2/images/${alpha.id}`)).json]);
  });

  it('limit cuts the page with next', async () => {
    const res = await owner.get('/v2/images?limit=2');

    expect(res.json.images).toHaveLength(2);
    const last = res.json.images[1].id;
    expect(res.json.first).toBe('/v2/images?limit=2');
    expect(res.json.next).toBe(`/v2/images?limit=2&marker=${last}`);
  });

  it('following next visits every image', async () => {
    const seen: string[] = [];
    let link: string | undefined = '/v2/images?limit=3&sort_key=name&sort_dir=asc';
    while (link !== undefined) {
      const page: { images: Fixture[]; next?: string } = (await owner.get(link)).json;
      seen.push(...page.images.map((image) => image.name));
      link = page.next;
    }

    expect(seen).toEqual([...DEFAULT_NAMES].sort());
  });

  it('marker starts after that image', async () => {
    const all = await namesOf('sort=name:asc');
    const beta = fixtures.get('beta')!;

    const page = await namesOf(`sort=name:asc&marker=${beta.id}`);

    expect(page).toEqual(all.slice(all.indexOf('beta') + 1));
  });

  it('limit zero returns nothing', async () => {
    const res = await owner.get('/v2/images?limit=0');

    expect(res.status).toBe(200);
    expect(res.json.images).toEqual([]);
    expect(res.json.next).toBeUndefined();
  });

  it.each(['limit=abc', 'limit=-1', 'limit=1.5'])('%s is 400', async (query) => {
    expect(await statusOf(query)).toBe(400);
  });

  it('unknown marker is 400', async () => {
    const res = await owner.get('/v2/images?marker=00000000-0000-0000-0000-000000000000', {
      Accept: 'application/json',
    });

    expect(res.status).toBe(400);
    expect(res.json.message).toContain('00000000-0000-0000-0000-000000000000');
  });

  it('limit is capped at maximum', async () => {
    const capped = await startTestServer({ IRIS_LIMIT_MAX: '2' });
    try {
      const api = new ApiClient(capped.url);
      for (let i = 0; i < 3; i++) await api.createImage({ name: `capped-${i}` });

      const res = await api.get('/v2/images?limit=100');

      expect(res.json.images).toHaveLength(2);
      expect(res.json.next).toBeDefined();
    } finally {
      await capped.close();
    }
  });
});

describe('GET /v2/images sorting', () => {
  const three = 'name=in:alpha,beta,gamma';

  it('sort_key alone sorts descending', async () => {
    expect(await namesOf(`${three}&sort_key=name`)).toEqual(['gamma', 'beta', 'alpha']);
  });

  it('sort_dir asc sorts ascending', async () => {
    const names = await namesOf(`${three}&sort_key=name&sort_dir=asc`);

    expect(names).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('sort with direction per key', async () => {
    const names = await namesOf(`${three}&sort=disk_format:asc,name:desc`);

    expect(names).toEqual(['alpha', 'gamma', 'beta']);
  });

  it('sort without direction is descending', async () => {
    expect(await namesOf(`${three}&sort=name`)).toEqual(['gamma', 'beta', 'alpha']);
  });

  it('several keys with several directions', async () => {
    const query = `${three}&sort_key=disk_format&sort_dir=desc&sort_key=name&sort_dir=asc`;

    expect(await namesOf(query)).toEqual(['beta', 'gamma', 'alpha']);
  });

  it('sort by size', async () => {
    const names = await namesOf('name=in:beta,gamma&sort_key=size&sort_dir=asc');

    expect(names).toEqual(['beta', 'gamma']);
  });

  it.each([
    'sort_key=bogus',
    'sort_dir=up',
    'sort=name:up',
    'sort=name:asc,bogus',
    'sort=name&sort_key=name',
    'sort=name&sort_dir=asc',
    'sort_key=name&sort_key=size&sort_key=id&sort_dir=asc&sort_dir=desc',
  ])('%s is 400', async (query) => {
    expect(await statusOf(query)).toBe(400);
  });
});

describe('GET /v2/images filters', () => {
  it('name matches exactly', async () => {
    expect(await namesOf('name=alpha')).toEqual(['alpha']);
    expect(await namesOf('name=alp')).toEqual([]);
  });

  it('in: matches any listed name', async () => {
    expect((await namesOf('name=in:alpha,gamma')).sort()).toEqual(['alpha', 'gamma']);
  });

  it('quoted value may hold commas', async () => {
    expect((await namesOf('name=in:"comma,name",alpha')).sort()).toEqual(['alpha', 'comma,name']);
  });

  it.each(['name=in:"comma,name', 'name=in:alpha"', 'name=gt:alpha', 'status=lt:active'])(
    '%s is 400',
    async (query) => {
      expect(await statusOf(query)).toBe(400);
    },
  );

  it('id in: matches listed ids', async () => {
    const ids = ['alpha', 'late'].map((name) => fixtures.get(name)!.id);

    expect((await namesOf(`id=in:${ids.join(',')}`)).sort()).toEqual(['alpha', 'late']);
  });

  it('status filter', async () => {
    expect((await namesOf('status=active')).sort()).toEqual(['beta', 'gamma']);
  });

  it('unknown status in list matches nothing', async () => {
    expect((await namesOf('status=in:active,bogus')).sort()).toEqual(['beta', 'gamma']);
    expect(await namesOf('status=bogus')).toEqual([]);
  });

  it('disk and container format filters', async () => {
    expect(await namesOf('disk_format=qcow2')).toEqual(['alpha']);
    expect(await namesOf('container_format=ovf')).toEqual(['delta']);
    expect((await namesOf('disk_format=in:qcow2,iso')).sort()).toEqual(['alpha', 'delta']);
  });

  it('owner filter', async () => {
    expect(await namesOf('owner=list-owner&name=alpha')).toEqual(['alpha']);
    expect(await namesOf('owner=someone-else')).toEqual([]);
  });

  it('tag filter needs every tag', async () => {
    expect((await namesOf('tag=red')).sort()).toEqual(['alpha', 'beta']);
    expect(await namesOf('tag=red&tag=round')).toEqual(['alpha']);
    expect(await namesOf('tag=blue')).toEqual([]);
  });

  it('size_min and size_max are inclusive', async () => {
    expect(await namesOf('size_min=50')).toEqual(['gamma']);
    expect(await namesOf('size_max=50')).toEqual(['beta']);
    expect(await namesOf('size_min=10&size_max=10')).toEqual(['beta']);
    expect(await namesOf('size_min=101')).toEqual([]);
  });

  it('min_ram range filter', async () => {
    expect(await namesOf('min_ram_min=256')).toEqual(['alpha']);
  });

  it('protected filter', async () => {
    expect(await namesOf('protected=true')).toEqual(['alpha']);
    expect(await namesOf('protected=false')).not.toContain('alpha');
    expect(await namesOf('protected=false')).toContain('beta');
  });

  it('os_hidden hides hidden images', async () => {
    expect(await namesOf('')).not.toContain('hidden');
    expect(await namesOf('os_hidden=false')).not.toContain('hidden');
    expect(await namesOf('os_hidden=true')).toEqual(['hidden']);
  });

  it('created_at comparisons split by time', async () => {
    const early = DEFAULT_NAMES.filter((name) => name !== 'late');

    expect(await namesOf(`created_at=gt:${boundary}`)).toEqual(['late']);
    expect(await namesOf(`created_at=gte:${boundary}`)).toEqual(['late']);
    expect((await namesOf(`created_at=lt:${boundary}`)).sort()).toEqual([...early].sort());
    expect((await namesOf(`created_at=lte:${boundary}`)).sort()).toEqual([...early].sort());
  });

  it('created_at equality operators', async () => {
    const late = fixtures.get('late')!;

    expect(await namesOf(`created_at=${late.created_at}`)).toEqual(['late']);
    expect(await namesOf(`created_at=eq:${late.created_at}`)).toEqual(['late']);
    expect(await namesOf(`created_at=neq:${late.created_at}`)).not.toContain('late');
  });

  it('updated_at comparison', async () => {
    expect(await namesOf(`updated_at=gt:${boundary}`)).toEqual(['late']);
  });

  it('custom property matches exactly', async () => {
    expect(await namesOf('color=blue')).toEqual(['alpha']);
    expect(await namesOf('color=BLUE')).toEqual([]);
    expect(await namesOf('color=green&name=gamma')).toEqual(['gamma']);
  });

  it('bracketed key is a property name', async () => {
    // Glance reads query keys literally, not as nested objects.
    const image = await owner.createImage({ name: 'bracketed', 'color[x]': 'blue' });
    try {
      expect(await namesOf('color[x]=blue')).toEqual(['bracketed']);
      expect(await namesOf('color%5Bx%5D=blue')).toEqual(['bracketed']);
      expect(await namesOf('color[y]=blue')).toEqual([]);
    } finally {
      await owner.delete(`/v2/images/${image.id}`);
    }
  });

  it('checksum and hash filters', async () => {
    const md5 = createHash('md5').update(SMALL_DATA).digest('hex');
    const sha512 = createHash('sha512').update(SMALL_DATA).digest('hex');

    expect(await namesOf(`checksum=${md5}`)).toEqual(['beta']);
    expect(await namesOf(`os_hash_value=${sha512}`)).toEqual(['beta']);
  });

  it.each([
    'protected=yes',
    'protected=True',
    'os_hidden=1',
    'size_min=abc',
    'size_max=1.5',
    'min_ram_min=x',
    'created_at=gt:not-a-time',
    'created_at=after:2020-01-01T00:00:00Z',
    'created_at=in:2020-01-01T00:00:00Z',
    'updated_at=lt:yesterday',
    'visibility=bogus',
    'member_status=bogus',
    'changes-since=2020-01-01T00:00:00Z',
  ])('bad filter %s is 400', async (query) => {
    const res = await owner.get(`/v2/images?${query}`, { Accept: 'application/json' });

    expect(res.status).toBe(400);
    expect(res.json.code).toBe('400 Bad Request');
  });
});

describe('GET /v2/images visibility', () => {
  it('visibility filter keeps one kind', async () => {
    expect(await namesOf('visibility=private')).toEqual(['delta']);
    expect(await namesOf('visibility=community')).toEqual(['community']);
    expect(await namesOf('visibility=public')).toEqual([]);
  });

  it('visibility all includes hidden kinds', async () => {
    expect((await namesOf('visibility=all')).sort()).toEqual([...DEFAULT_NAMES].sort());
  });

  it('stranger sees no private images', async () => {
    expect(await namesOf('', stranger)).toEqual([]);
  });

  it('stranger sees community on request', async () => {
    expect(await namesOf('visibility=community', stranger)).toEqual(['community']);
    expect(await namesOf('visibility=all', stranger)).toEqual(['community']);
  });

  it('stranger sees public images', async () => {
    const image = await admin.createImage({ name: 'everyone', visibility: 'public' });

    expect(await namesOf('name=everyone', stranger)).toEqual(['everyone']);
    await admin.delete(`/v2/images/${image.id}`);
  });

  it('admin sees others but not community', async () => {
    const names = await namesOf('', admin);

    expect(names).toContain('delta');
    expect(names).not.toContain('community');
    expect(await namesOf('visibility=community', admin)).toEqual(['community']);
  });
});

describe('GET /v2/images member_status', () => {
  const member = () => admin.as(projectMember('list-member'));
  let sharedId: string;

  beforeAll(async () => {
    const image = await owner.createImage({ name: 'shared-with-member', visibility: 'shared' });
    sharedId = image.id;
    await owner.post(`/v2/images/${sharedId}/members`, { member: 'list-member' });
  });

  async function setStatus(status: string): Promise<void> {
    const res = await member().put(`/v2/images/${sharedId}/members/list-member`, { status });
    expect(res.status).toBe(200);
  }

  it('pending share needs member_status', async () => {
    await setStatus('pending');

    expect(await namesOf('', member())).toEqual([]);
    expect(await namesOf('member_status=pending', member())).toEqual(['shared-with-member']);
    expect(await namesOf('member_status=all', member())).toEqual(['shared-with-member']);
    expect(await namesOf('member_status=accepted', member())).toEqual([]);
  });

  it('accepted share listed by default', async () => {
    await setStatus('accepted');

    expect(await namesOf('', member())).toEqual(['shared-with-member']);
    expect(await namesOf('member_status=pending', member())).toEqual([]);
  });

  it('rejected share needs member_status', async () => {
    await setStatus('rejected');

    expect(await namesOf('', member())).toEqual([]);
    expect(await namesOf('member_status=rejected', member())).toEqual(['shared-with-member']);
  });

  it('owner listing ignores member_status', async () => {
    const names = await namesOf('name=shared-with-member&member_status=pending');

    expect(names).toEqual(['shared-with-member']);
  });
});
