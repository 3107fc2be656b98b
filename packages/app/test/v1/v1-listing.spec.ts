import {
  member,
  randomData,
  RAW_BARE,
  startV1Server,
  V1Client,
  V1TestServer,
} from './v1-helpers';

let server: V1TestServer;
let admin: V1Client;
let ownerClient: V1Client;

const OWNER = 'project-lister';
const OTHER = 'project-elsewhere';
const ADMIN_WITH_PROJECT = {
  'X-Project-Id': 'project-admin',
  'X-User-Id': 'root',
  'X-Roles': 'admin',
};

/** Ids of the images created in beforeAll, by name. */
const ids: Record<string, string> = {};

const SUMMARY_KEYS = [
  'checksum',
  'container_format',
  'disk_format',
  'id',
  'name',
  'size',
];
const DETAIL_KEYS = [
  ...SUMMARY_KEYS,
  'created_at',
  'deleted',
  'deleted_at',
  'is_public',
  'min_disk',
  'min_ram',
  'owner',
  'properties',
  'protected',
  'status',
  'updated_at',
  'virtual_size',
].sort();

function namesOf(images: { name: string }[]): string[] {
  return images.map((image) => image.name);
}

async function list(
  client: V1Client,
  query: string,
  detail = false,
): Promise<any[]> {
  const res = await client.get(`/v1/images${detail ? '/detail' : ''}${query}`);
  if (res.status !== 200) {
    throw new Error(`listing ${query} returned ${res.status}: ${res.text}`);
  }
  return res.json.images;
}

beforeAll(async () => {
  server = await startV1Server();
  admin = new V1Client(server.url);
  ownerClient = admin.as(member(OWNER));

  const create = async (
    name: string,
    headers: Record<string, string>,
    data?: Buffer,
  ): Promise<void> => {
    ids[name] = (
      await admin.createImage({ 'x-image-meta-name': name, ...headers }, data)
    ).id;
  };
  await create(
    'alpha',
    { ...RAW_BARE, 'x-image-meta-owner': OWNER, 'x-image-meta-min_ram': '512' },
    randomData(100),
  );
  await create('bravo', {
    'x-image-meta-owner': OWNER,
    'x-image-meta-disk_format': 'qcow2',
    'x-image-meta-property-os_distro': 'debian',
  });
  await create(
    'charlie',
    {
      ...RAW_BARE,
      'x-image-meta-owner': OTHER,
      'x-image-meta-is_public': 'true',
    },
    randomData(300),
  );
  await create('delta', {
    'x-image-meta-owner': OTHER,
    'x-image-meta-protected': 'true',
  });
  await create('echo', { 'x-image-meta-owner': OTHER });
  await create('foxtrot', { 'x-image-meta-owner': OTHER });
  // echo is shared with the owner project (a pending member); foxtrot becomes community.
  await admin.request('PUT', `/v1/images/${ids.echo}/members/${OWNER}`);
  await admin.request('PATCH', `/v2/images/${ids.foxtrot}`, {
    headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
    body: JSON.stringify([
      { op: 'replace', path: '/visibility', value: 'community' },
    ]),
  });
});

afterAll(async () => {
  await server.close();
});

describe('GET /v1/images', () => {
  it('lists summaries', async () => {
    const images = await list(ownerClient, '');

    for (const image of images) {
      expect(Object.keys(image).sort()).toEqual(SUMMARY_KEYS);
    }
  });

  it('lists own, public and pending-shared images', async () => {
    const images = await list(ownerClient, '?sort_key=name&sort_dir=asc');

    expect(namesOf(images)).toEqual(['alpha', 'bravo', 'charlie', 'echo']);
  });

  it('sorts by created_at descending by default', async () => {
    const images = await list(admin, '?is_public=none', true);

    const created = images.map((image) => image.created_at);
    expect(created).toHaveLength(6);
    expect([...created].sort().reverse()).toEqual(created);
  });

  it.each([
    ['?name=bravo', ['bravo']],
    ['?disk_format=qcow2', ['bravo']],
    ['?container_format=bare', ['alpha', 'charlie']],
    ['?status=queued', ['bravo', 'echo']],
    ['?size_min=200', ['charlie']],
    ['?size_max=200&status=active', ['alpha']],
    ['?min_ram=512', ['alpha']],
    ['?property-os_distro=debian', ['bravo']],
    [
      '?changes-since=2000-01-01T00:00:00Z',
      ['alpha', 'bravo', 'charlie', 'echo'],
    ],
    ['?changes-since=2999-01-01T00:00:00', []],
  ])('filters %s', async (query, expected) => {
    const images = await list(
      ownerClient,
      `${query}&sort_key=name&sort_dir=asc`,
    );

    expect(namesOf(images)).toEqual(expected);
  });

  it('filters on protected', async () => {
    const images = await list(admin, '?is_public=none&protected=True');

    expect(namesOf(images)).toEqual(['delta']);
  });

  it('pages with limit and marker', async () => {
    const first = await list(
      ownerClient,
      '?sort_key=name&sort_dir=asc&limit=2',
    );
    const second = await list(
      ownerClient,
      `?sort_key=name&sort_dir=asc&limit=2&marker=${first[1].id}`,
    );

    expect(namesOf(first)).toEqual(['alpha', 'bravo']);
    expect(namesOf(second)).toEqual(['charlie', 'echo']);
  });

  it('returns an empty page for limit 0', async () => {
    expect(await list(ownerClient, '?limit=0')).toEqual([]);
  });

  it.each([
    ['?size_min=big', 'Bad value passed to filter size_min got big'],
    ['?size_max=-1', 'Bad value passed to filter size_max got -1'],
    ['?min_ram=x', 'Bad value passed to filter min_ram got x'],
    ['?is_public=maybe', 'Bad value passed to filter is_public got maybe'],
    ['?protected=maybe', 'Bad value passed to filter protected got maybe'],
    ['?protected=none', 'protected must be True, or False'],
    ['?changes-since=yesterday', 'Unrecognized changes-since value'],
    ['?limit=ten', 'limit param must be an integer'],
    ['?limit=-1', 'limit param must be positive'],
    ['?marker=not-an-id', 'Invalid marker format'],
    ['?marker=a1000000-0000-4000-8000-000000000009', 'to use as the marker'],
    ['?sort_key=owner', "Unsupported sort_key 'owner'"],
    ['?sort_dir=up', "Unsupported sort_dir 'up'"],
  ])('rejects %s', async (query, message) => {
    const res = await ownerClient.get(`/v1/images${query}`);

    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
  });
});

describe('GET /v1/images/detail', () => {
  it('lists full records', async () => {
    const images = await list(ownerClient, '?name=bravo', true);

    expect(images).toHaveLength(1);
    expect(Object.keys(images[0]).sort()).toEqual(DETAIL_KEYS);
    expect(images[0].properties).toEqual({ os_distro: 'debian' });
    expect(images[0].owner).toBe(OWNER);
    expect(images[0].is_public).toBe(false);
    expect(images[0].deleted).toBe(false);
  });

  it('shows community images as not public', async () => {
    const images = await list(admin, '?is_public=none&name=foxtrot', true);

    expect(images[0].is_public).toBe(false);
  });
});

describe('is_public for administrators', () => {
  const asAdmin = (): V1Client => admin.as(ADMIN_WITH_PROJECT);

  it('lists as a user by default', async () => {
    const byDefault = await list(asAdmin(), '?sort_key=name&sort_dir=asc');
    const withTrue = await list(
      asAdmin(),
      '?sort_key=name&sort_dir=asc&is_public=true',
    );

    expect(namesOf(byDefault)).toEqual(['charlie']);
    expect(namesOf(withTrue)).toEqual(['charlie']);
  });

  it('lists non-public images for false', async () => {
    const images = await list(
      asAdmin(),
      '?sort_key=name&sort_dir=asc&is_public=false',
    );

    expect(namesOf(images)).toEqual([
      'alpha',
      'bravo',
      'delta',
      'echo',
      'foxtrot',
    ]);
  });

  it('lists every image for none', async () => {
    const images = await list(
      asAdmin(),
      '?sort_key=name&sort_dir=asc&is_public=None',
    );

    expect(namesOf(images)).toEqual([
      'alpha',
      'bravo',
      'charlie',
      'delta',
      'echo',
      'foxtrot',
    ]);
  });

  it('is ignored for other callers', async () => {
    const images = await list(
      ownerClient,
      '?sort_key=name&sort_dir=asc&is_public=none',
    );

    expect(namesOf(images)).toEqual(['alpha', 'bravo', 'charlie', 'echo']);
  });
});
