/**
 * The authorization matrix of the v2 API under Glance's default policies:
 * every route, for every kind of caller and every visibility, with the exact
 * status code. Callers use the noauth identity headers; the last part runs a
 * server with IRIS_AUTH=keystone and sends no token.
 */
import { randomUUID } from 'node:crypto';
import { ADMIN, ApiClient, HttpResponse, Identity, PATCH_V21, projectMember, projectReader, send, startTestServer, TestServer } from './helpers';

type Kind = 'private' | 'shared' | 'public' | 'community';
type Caller = 'admin' | 'ownerMember' | 'ownerReader' | 'accepted' | 'pending' | 'stranger';

const CALLERS: Caller[] = ['admin', 'ownerMember', 'ownerReader', 'accepted', 'pending', 'stranger'];
const KINDS: Kind[] = ['private', 'shared', 'public', 'community'];

const OWNER = 'project-owner';
const PROJECT_OF: Record<Caller, string> = {
  admin: 'project-admin',
  ownerMember: OWNER,
  ownerReader: OWNER,
  accepted: 'project-accepted',
  pending: 'project-pending',
  stranger: 'project-stranger',
};

const IDENTITIES: Record<Caller, Identity> = {
  admin: { 'X-Project-Id': 'project-admin', 'X-User-Id': 'user-admin', 'X-Roles': 'admin' },
  ownerMember: projectMember(OWNER),
  ownerReader: projectReader(OWNER),
  accepted: projectMember('project-accepted'),
  pending: projectMember('project-pending'),
  stranger: projectMember('project-stranger'),
};

const JSON_ACCEPT = { Accept: 'application/json' };
const DATA = Buffer.from('authorization matrix image data');

interface Call {
  method: string;
  path: string;
  json?: unknown;
  body?: Buffer;
  headers?: Record<string, string>;
}

/** A route of the matrix: the call for one image and caller, and whether it changes the image. */
interface Route {
  call: (imageId: string, caller: Caller) => Call;
  changes: boolean;
  /** The image is still queued, so that an upload can succeed. */
  queued?: boolean;
}

const ROUTES: Record<string, Route> = {
  'GET image': { changes: false, call: (id) => ({ method: 'GET', path: `/v2/images/${id}` }) },
  'PATCH image': {
    changes: true,
    call: (id) => ({
      method: 'PATCH',
      path: `/v2/images/${id}`,
      json: [{ op: 'replace', path: '/name', value: 'renamed' }],
      headers: { 'Content-Type': PATCH_V21 },
    }),
  },
  'DELETE image': { changes: true, call: (id) => ({ method: 'DELETE', path: `/v2/images/${id}` }) },
  'PUT file': {
    changes: true,
    queued: true,
    call: (id) => ({
      method: 'PUT',
      path: `/v2/images/${id}/file`,
      body: DATA,
      headers: { 'Content-Type': 'application/octet-stream' },
    }),
  },
  'GET file': { changes: false, call: (id) => ({ method: 'GET', path: `/v2/images/${id}/file` }) },
  'POST deactivate': {
    changes: true,
    call: (id) => ({ method: 'POST', path: `/v2/images/${id}/actions/deactivate` }),
  },
  'POST reactivate': {
    changes: true,
    call: (id) => ({ method: 'POST', path: `/v2/images/${id}/actions/reactivate` }),
  },
  'PUT tag': { changes: true, call: (id) => ({ method: 'PUT', path: `/v2/images/${id}/tags/added` }) },
  'DELETE tag': {
    changes: true,
    call: (id) => ({ method: 'DELETE', path: `/v2/images/${id}/tags/existing` }),
  },
  'GET members': { changes: false, call: (id) => ({ method: 'GET', path: `/v2/images/${id}/members` }) },
  'POST members': {
    changes: true,
    call: (id) => ({ method: 'POST', path: `/v2/images/${id}/members`, json: { member: 'project-new' } }),
  },
  'GET accepted member': {
    changes: false,
    call: (id) => ({ method: 'GET', path: `/v2/images/${id}/members/project-accepted` }),
  },
  'PUT accepted member': {
    changes: true,
    call: (id) => ({
      method: 'PUT',
      path: `/v2/images/${id}/members/project-accepted`,
      json: { status: 'rejected' },
    }),
  },
  'DELETE accepted member': {
    changes: true,
    call: (id) => ({ method: 'DELETE', path: `/v2/images/${id}/members/project-accepted` }),
  },
  'GET own member': {
    changes: false,
    call: (id, caller) => ({ method: 'GET', path: `/v2/images/${id}/members/${PROJECT_OF[caller]}` }),
  },
  'PUT own member': {
    changes: true,
    call: (id, caller) => ({
      method: 'PUT',
      path: `/v2/images/${id}/members/${PROJECT_OF[caller]}`,
      json: { status: 'accepted' },
    }),
  },
};

type Statuses = [number, number, number, number, number, number];

/**
 * Expected status by route and image visibility, for admin, owner member,
 * owner reader, accepted member, pending member and stranger, in that order.
 * The shared image has project-accepted (accepted) and project-pending
 * (pending) as members. The other images had the same members before their
 * visibility changed, and such memberships no longer count.
 */
const MATRIX: [string, Kind, ...Statuses][] = [
  ['GET image', 'private', 200, 200, 200, 404, 404, 404],
  ['GET image', 'shared', 200, 200, 200, 200, 200, 404],
  ['GET image', 'public', 200, 200, 200, 200, 200, 200],
  ['GET image', 'community', 200, 200, 200, 200, 200, 200],

  ['PATCH image', 'private', 200, 200, 403, 404, 404, 404],
  ['PATCH image', 'shared', 200, 200, 403, 403, 403, 404],
  ['PATCH image', 'public', 200, 200, 403, 403, 403, 403],
  ['PATCH image', 'community', 200, 200, 403, 403, 403, 403],

  ['DELETE image', 'private', 204, 204, 403, 404, 404, 404],
  ['DELETE image', 'shared', 204, 204, 403, 403, 403, 404],
  ['DELETE image', 'public', 204, 204, 403, 403, 403, 403],
  ['DELETE image', 'community', 204, 204, 403, 403, 403, 403],

  ['PUT file', 'private', 204, 204, 403, 404, 404, 404],
  ['PUT file', 'shared', 204, 204, 403, 403, 403, 404],
  ['PUT file', 'public', 204, 204, 403, 403, 403, 403],
  ['PUT file', 'community', 204, 204, 403, 403, 403, 403],

  // Downloading needs the member role, so a reader may see an image but not its data.
  ['GET file', 'private', 200, 200, 403, 404, 404, 404],
  ['GET file', 'shared', 200, 200, 403, 200, 200, 404],
  ['GET file', 'public', 200, 200, 403, 200, 200, 200],
  ['GET file', 'community', 200, 200, 403, 200, 200, 200],

  ['POST deactivate', 'private', 204, 204, 403, 404, 404, 404],
  ['POST deactivate', 'shared', 204, 204, 403, 403, 403, 404],
  ['POST deactivate', 'public', 204, 204, 403, 403, 403, 403],
  ['POST deactivate', 'community', 204, 204, 403, 403, 403, 403],

  ['POST reactivate', 'private', 204, 204, 403, 404, 404, 404],
  ['POST reactivate', 'shared', 204, 204, 403, 403, 403, 404],
  ['POST reactivate', 'public', 204, 204, 403, 403, 403, 403],
  ['POST reactivate', 'community', 204, 204, 403, 403, 403, 403],

  ['PUT tag', 'private', 204, 204, 403, 404, 404, 404],
  ['PUT tag', 'shared', 204, 204, 403, 403, 403, 404],
  ['PUT tag', 'public', 204, 204, 403, 403, 403, 403],
  ['PUT tag', 'community', 204, 204, 403, 403, 403, 403],

  ['DELETE tag', 'private', 204, 204, 403, 404, 404, 404],
  ['DELETE tag', 'shared', 204, 204, 403, 403, 403, 404],
  ['DELETE tag', 'public', 204, 204, 403, 403, 403, 403],
  ['DELETE tag', 'community', 204, 204, 403, 403, 403, 403],

  // Only shared images have members, so the others get 403 for every caller that may see them.
  ['GET members', 'private', 403, 403, 403, 404, 404, 404],
  ['GET members', 'shared', 200, 200, 200, 200, 200, 404],
  ['GET members', 'public', 403, 403, 403, 403, 403, 403],
  ['GET members', 'community', 403, 403, 403, 403, 403, 403],

  ['POST members', 'private', 403, 403, 403, 404, 404, 404],
  ['POST members', 'shared', 200, 200, 403, 403, 403, 404],
  ['POST members', 'public', 403, 403, 403, 403, 403, 403],
  ['POST members', 'community', 403, 403, 403, 403, 403, 403],

  // Showing a member turns every refusal into 404, and a project may see only its own entry.
  ['GET accepted member', 'private', 404, 404, 404, 404, 404, 404],
  ['GET accepted member', 'shared', 200, 200, 200, 200, 404, 404],
  ['GET accepted member', 'public', 404, 404, 404, 404, 404, 404],
  ['GET accepted member', 'community', 404, 404, 404, 404, 404, 404],

  // Only the member itself, or an admin, sets the member status.
  ['PUT accepted member', 'private', 403, 403, 403, 404, 404, 404],
  ['PUT accepted member', 'shared', 200, 403, 403, 200, 404, 404],
  ['PUT accepted member', 'public', 403, 403, 403, 403, 403, 403],
  ['PUT accepted member', 'community', 403, 403, 403, 403, 403, 403],

  ['DELETE accepted member', 'private', 403, 403, 403, 404, 404, 404],
  ['DELETE accepted member', 'shared', 204, 204, 403, 403, 404, 404],
  ['DELETE accepted member', 'public', 403, 403, 403, 403, 403, 403],
  ['DELETE accepted member', 'community', 403, 403, 403, 403, 403, 403],

  ['GET own member', 'private', 404, 404, 404, 404, 404, 404],
  ['GET own member', 'shared', 404, 404, 404, 200, 200, 404],
  ['GET own member', 'public', 404, 404, 404, 404, 404, 404],
  ['GET own member', 'community', 404, 404, 404, 404, 404, 404],

  ['PUT own member', 'private', 403, 403, 403, 404, 404, 404],
  ['PUT own member', 'shared', 404, 404, 404, 200, 200, 404],
  ['PUT own member', 'public', 403, 403, 403, 403, 403, 403],
  ['PUT own member', 'community', 403, 403, 403, 403, 403, 403],
];

/** Expected status of calls that need no image, in the same caller order. */
const IMAGELESS: [string, Call, ...Statuses][] = [
  ['POST images', { method: 'POST', path: '/v2/images', json: { name: 'new' } }, 201, 201, 403, 201, 201, 201],
  [
    'POST images owned by the owner project',
    { method: 'POST', path: '/v2/images', json: { owner: OWNER } },
    201, 201, 403, 403, 403, 403,
  ],
  [
    'POST public image',
    { method: 'POST', path: '/v2/images', json: { visibility: 'public' } },
    201, 403, 403, 403, 403, 403,
  ],
  [
    'POST community image',
    { method: 'POST', path: '/v2/images', json: { visibility: 'community' } },
    201, 201, 403, 201, 201, 201,
  ],
  [
    'POST private image',
    { method: 'POST', path: '/v2/images', json: { visibility: 'private' } },
    201, 201, 403, 201, 201, 201,
  ],
  ['GET images', { method: 'GET', path: '/v2/images' }, 200, 200, 200, 200, 200, 200],
  ['GET schemas/image', { method: 'GET', path: '/v2/schemas/image' }, 200, 200, 200, 200, 200, 200],
  ['GET schemas/images', { method: 'GET', path: '/v2/schemas/images' }, 200, 200, 200, 200, 200, 200],
  ['GET schemas/member', { method: 'GET', path: '/v2/schemas/member' }, 200, 200, 200, 200, 200, 200],
  ['GET schemas/members', { method: 'GET', path: '/v2/schemas/members' }, 200, 200, 200, 200, 200, 200],
];

let server: TestServer;
let admin: ApiClient;

function client(caller: Caller): ApiClient {
  return admin.as(IDENTITIES[caller]);
}

function perform(caller: Caller, call: Call): Promise<HttpResponse> {
  return client(caller).request(call.method, call.path, {
    json: call.json,
    body: call.body,
    headers: { ...JSON_ACCEPT, ...call.headers },
  });
}

async function expectStatus(res: HttpResponse, status: number, what: string): Promise<void> {
  if (res.status !== status) throw new Error(`${what} returned ${res.status}: ${res.text}`);
}

/**
 * Creates an image owned by project-owner with the tag `existing`, data
 * (unless queued), project-accepted as an accepted and project-pending as a
 * pending member, then gives it its visibility.
 */
async function createFixture(kind: Kind, queued = false): Promise<string> {
  const owner = client('ownerMember');
  const image = await owner.createImage({
    name: `matrix-${kind}`,
    disk_format: 'raw',
    container_format: 'bare',
    tags: ['existing'],
    visibility: 'shared',
  });
  if (!queued) await expectStatus(await owner.upload(image.id, DATA), 204, 'upload');
  for (const member of ['project-accepted', 'project-pending']) {
    await expectStatus(await owner.post(`/v2/images/${image.id}/members`, { member }), 200, 'add member');
  }
  const accept = { status: 'accepted' };
  const accepted = await client('accepted').put(`/v2/images/${image.id}/members/project-accepted`, accept);
  await expectStatus(accepted, 200, 'accept');
  if (kind !== 'shared') {
    // Only an admin may make an image public.
    const changer = kind === 'public' ? admin : owner;
    const res = await changer.patch(image.id, [{ op: 'replace', path: '/visibility', value: kind }]);
    await expectStatus(res, 200, `make ${kind}`);
  }
  return image.id;
}

/** Fixtures for the routes that change nothing, made once per visibility and data state. */
const shared = new Map<string, Promise<string>>();

function fixtureFor(route: Route, kind: Kind): Promise<string> {
  if (route.changes) return createFixture(kind, route.queued);
  const key = `${kind}/${route.queued === true}`;
  if (!shared.has(key)) shared.set(key, createFixture(kind, route.queued));
  return shared.get(key)!;
}

beforeAll(async () => {
  server = await startTestServer();
  admin = new ApiClient(server.url, ADMIN);
});

afterAll(async () => {
  await server.close();
});

const CASES = MATRIX.flatMap(([route, kind, ...statuses]) =>
  CALLERS.map((caller, i) => [route, kind, caller, statuses[i]] as const),
);

describe('authorization matrix', () => {
  it.each(CASES)('%s on %s image as %s: %i', async (name, kind, caller, expected) => {
    const route = ROUTES[name];
    const imageId = await fixtureFor(route, kind);

    const res = await perform(caller, route.call(imageId, caller));

    expect({ status: res.status, body: res.status === expected ? '' : res.text }).toEqual({
      status: expected,
      body: '',
    });
  });

  const imageless = IMAGELESS.flatMap(([name, call, ...statuses]) =>
    CALLERS.map((caller, i) => [name, caller, statuses[i], call] as const),
  );

  it.each(imageless)('%s as %s: %i', async (_name, caller, expected, call) => {
    const res = await perform(caller, call);

    expect({ status: res.status, body: res.status === expected ? '' : res.text }).toEqual({
      status: expected,
      body: '',
    });
  });

  it('covers every route and visibility', () => {
    for (const name of Object.keys(ROUTES)) {
      const kinds = MATRIX.filter(([route]) => route === name).map(([, kind]) => kind);
      expect(kinds.sort()).toEqual([...KINDS].sort());
    }
  });
});

describe('listing by caller', () => {
  const ids: Partial<Record<Kind, string>> = {};

  beforeAll(async () => {
    for (const kind of KINDS) ids[kind] = await createFixture(kind);
  });

  async function listed(caller: Caller, query = ''): Promise<Kind[]> {
    const res = await client(caller).get(`/v2/images?limit=1000${query}`, JSON_ACCEPT);
    expect(res.status).toBe(200);
    const found = new Set((res.json.images as { id: string }[]).map((image) => image.id));
    return KINDS.filter((kind) => found.has(ids[kind]!));
  }

  it.each([
    ['admin', ['private', 'shared', 'public']],
    ['ownerMember', ['private', 'shared', 'public', 'community']],
    ['ownerReader', ['private', 'shared', 'public', 'community']],
    ['accepted', ['shared', 'public']],
    ['pending', ['public']],
    ['stranger', ['public']],
  ] as [Caller, Kind[]][])('default list of %s', async (caller, kinds) => {
    expect(await listed(caller)).toEqual(kinds);
  });

  it.each(['accepted', 'pending', 'stranger'] as Caller[])('community on request for %s', async (caller) => {
    expect(await listed(caller, '&visibility=community')).toEqual(['community']);
  });

  it('pending member lists by member_status', async () => {
    expect(await listed('pending', '&member_status=pending')).toEqual(['shared', 'public']);
    expect(await listed('pending', '&visibility=shared&member_status=all')).toEqual(['shared']);
  });

  it.each(['accepted', 'pending', 'stranger'] as Caller[])('no filter reveals private to %s', async (caller) => {
    for (const query of ['&visibility=private', '&visibility=all&member_status=all', `&owner=${OWNER}`]) {
      expect(await listed(caller, query)).not.toContain('private');
    }
  });

  it('stranger never lists the shared image', async () => {
    expect(await listed('stranger', '&visibility=shared&member_status=all')).toEqual([]);
  });
});

describe('visibility changes', () => {
  async function setVisibility(caller: Caller, id: string, value: string): Promise<number> {
    const res = await client(caller).patch(id, [{ op: 'replace', path: '/visibility', value }]);
    return res.status;
  }

  it.each([
    ['private', 'ownerMember', 200],
    ['shared', 'ownerMember', 200],
    ['community', 'ownerMember', 200],
    ['public', 'ownerMember', 403],
    ['public', 'admin', 200],
    ['community', 'ownerReader', 403],
  ] as [string, Caller, number][])('to %s as %s: %i', async (value, caller, expected) => {
    const image = await client('ownerMember').createImage({ visibility: 'private' });

    expect(await setVisibility(caller, image.id, value)).toBe(expected);
  });

  it('public to public needs admin', async () => {
    const image = await admin.createImage({ owner: OWNER, visibility: 'public' });

    expect(await setVisibility('ownerMember', image.id, 'public')).toBe(403);
    expect(await setVisibility('admin', image.id, 'public')).toBe(200);
  });

  it('private image cannot get members', async () => {
    const image = await client('ownerMember').createImage({ visibility: 'private' });
    const res = await client('ownerMember').post(`/v2/images/${image.id}/members`, { member: 'project-x' });

    expect(res.status).toBe(403);
  });
});

describe('private image leaks nothing', () => {
  let privateId = '';
  let queuedPrivateId = '';

  beforeAll(async () => {
    privateId = await createFixture('private');
    queuedPrivateId = await createFixture('private', true);
  });

  /** Checks that each route returns the same for the private image as for an id that does not exist. */
  const cases = ['accepted', 'pending', 'stranger'].flatMap((caller) =>
    Object.keys(ROUTES).map((name) => [name, caller as Caller] as const),
  );

  it.each(cases)('%s as %s looks like a missing image', async (name, caller) => {
    const route = ROUTES[name];
    const existing = route.queued === true ? queuedPrivateId : privateId;
    const missing = randomUUID();

    const real = await perform(caller, route.call(existing, caller));
    const absent = await perform(caller, route.call(missing, caller));

    expect(real.status).toBe(404);
    expect(real.status).toBe(absent.status);
    expect(real.text.replaceAll(existing, 'ID')).toBe(absent.text.replaceAll(missing, 'ID'));
  });

  it.each(['accepted', 'pending', 'stranger'] as Caller[])('marker of private image as %s', async (caller) => {
    const missing = randomUUID();
    const real = await client(caller).get(`/v2/images?marker=${privateId}`, JSON_ACCEPT);
    const absent = await client(caller).get(`/v2/images?marker=${missing}`, JSON_ACCEPT);

    expect(real.status).toBe(absent.status);
    expect(real.text.replaceAll(privateId, 'ID')).toBe(absent.text.replaceAll(missing, 'ID'));
  });

  it('the image is unchanged afterwards', async () => {
    const res = await client('ownerMember').get(`/v2/images/${privateId}`, JSON_ACCEPT);

    expect(res.status).toBe(200);
    expect(res.json.name).toBe('matrix-private');
    expect(res.json.status).toBe('active');
    expect(res.json.tags).toEqual(['existing']);
  });
});

describe('no token under keystone', () => {
  let keystoneServer: TestServer;

  beforeAll(async () => {
    // A request without a token is rejected before Iris calls Keystone, so this URL is never used.
    keystoneServer = await startTestServer({
      IRIS_AUTH: 'keystone',
      IRIS_KEYSTONE_URL: 'http://127.0.0.1:9/v3',
      IRIS_KEYSTONE_USERNAME: 'iris',
      IRIS_KEYSTONE_PASSWORD: 'unused',
      IRIS_KEYSTONE_PROJECT: 'service',
    });
  });

  afterAll(async () => {
    await keystoneServer.close();
  });

  const calls = [
    ...Object.entries(ROUTES).map(([name, route]) => [name, route.call(randomUUID(), 'stranger')] as const),
    ...IMAGELESS.map(([name, call]) => [name, call] as const),
  ];

  it.each(calls)('%s needs a token', async (_name, call) => {
    const res = await send(keystoneServer.url, call.method, call.path, {
      json: call.json,
      body: call.body,
      headers: { ...JSON_ACCEPT, ...call.headers },
    });

    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Keystone uri="http://127.0.0.1:9/v3"');
  });

  it('noauth headers are ignored', async () => {
    const res = await send(keystoneServer.url, 'GET', '/v2/images', { headers: IDENTITIES.admin });

    expect(res.status).toBe(401);
  });

  it('versions need no token', async () => {
    expect((await send(keystoneServer.url, 'GET', '/versions')).status).toBe(200);
    expect((await send(keystoneServer.url, 'GET', '/')).status).toBe(300);
  });
});
