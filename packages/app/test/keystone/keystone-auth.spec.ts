/**
 * Iris with IRIS_AUTH=keystone against the real test Keystone: tokens are
 * issued by Keystone for the users that scripts/keystone-up.sh creates, and
 * Iris validates each with Keystone as the service user iris.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient, HttpResponse, PATCH_V21, send, startTestServer, TestServer } from '../http/helpers';
import {
  describeWithKeystone,
  IssuedToken,
  issueToken,
  KEYSTONE_URL,
  KeystoneRelay,
  keystoneServerSettings,
  revokeToken,
} from './keystone-fixture';

const JSON_ACCEPT = { Accept: 'application/json' };
/** The bounded staleness under test: a revoked token may work this long after revocation. */
const SHORT_CACHE_MS = 1500;

function withToken(server: TestServer, issued: IssuedToken): ApiClient {
  return new ApiClient(server.url, { 'X-Auth-Token': issued.token, ...JSON_ACCEPT });
}

function listedIds(res: HttpResponse): string[] {
  return (res.json.images as { id: string }[]).map((image) => image.id);
}

describeWithKeystone('Keystone authentication', () => {
  let server: TestServer;
  let alphaMember: IssuedToken;
  let alphaReader: IssuedToken;
  let betaMember: IssuedToken;
  let admin: IssuedToken;
  let alphaImage = '';
  let betaPrivateImage = '';
  let betaSharedImage = '';

  beforeAll(async () => {
    [alphaMember, alphaReader, betaMember, admin] = await Promise.all([
      issueToken('alpha-member', 'iris-alpha'),
      issueToken('alpha-reader', 'iris-alpha'),
      issueToken('beta-member', 'iris-beta'),
      issueToken('admin', 'admin'),
    ]);
    server = await startTestServer(keystoneServerSettings());

    alphaImage = (await withToken(server, alphaMember).createImage({ name: 'alpha-image' })).id;
    const beta = withToken(server, betaMember);
    betaPrivateImage = (await beta.createImage({ name: 'beta-private', visibility: 'private' })).id;
    betaSharedImage = (await beta.createImage({ name: 'beta-shared' })).id;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('member token creates in its project', async () => {
    const res = await withToken(server, alphaMember).get(`/v2/images/${alphaImage}`);

    expect(res.status).toBe(200);
    expect(res.json.owner).toBe(alphaMember.projectId);
  });

  it('member sees only its project images', async () => {
    const res = await withToken(server, alphaMember).get('/v2/images?limit=1000');

    expect(res.status).toBe(200);
    expect(listedIds(res)).toContain(alphaImage);
    expect(listedIds(res)).not.toContain(betaPrivateImage);
    expect(listedIds(res)).not.toContain(betaSharedImage);
  });

  it('other project images are not found', async () => {
    const alpha = withToken(server, alphaMember);

    expect((await alpha.get(`/v2/images/${betaPrivateImage}`)).status).toBe(404);
    expect((await alpha.get(`/v2/images/${betaSharedImage}`)).status).toBe(404);
    expect((await alpha.delete(`/v2/images/${betaPrivateImage}`)).status).toBe(404);
  });

  it('sharing makes the image readable', async () => {
    const beta = withToken(server, betaMember);
    const added = await beta.post(`/v2/images/${betaSharedImage}/members`, { member: alphaMember.projectId });
    expect(added.status).toBe(200);
    const alpha = withToken(server, alphaMember);

    expect((await alpha.get(`/v2/images/${betaSharedImage}`)).status).toBe(200);
    expect(listedIds(await alpha.get('/v2/images?limit=1000'))).not.toContain(betaSharedImage);
    const accepted = await alpha.put(`/v2/images/${betaSharedImage}/members/${alphaMember.projectId}`, {
      status: 'accepted',
    });
    expect(accepted.status).toBe(200);
    expect(listedIds(await alpha.get('/v2/images?limit=1000'))).toContain(betaSharedImage);
  });

  it('admin sees every project', async () => {
    const adminClient = withToken(server, admin);

    expect((await adminClient.get(`/v2/images/${betaPrivateImage}`)).status).toBe(200);
    const ids = listedIds(await adminClient.get('/v2/images?limit=1000'));
    expect(ids).toEqual(expect.arrayContaining([alphaImage, betaPrivateImage]));
  });

  it('admin may publish an image', async () => {
    const adminClient = withToken(server, admin);
    const res = await adminClient.createImage({ name: 'admin-public', visibility: 'public' });

    expect(res.visibility).toBe('public');
    expect((await withToken(server, betaMember).get(`/v2/images/${res.id}`)).status).toBe(200);
  });

  it('member may not publish an image', async () => {
    const res = await withToken(server, alphaMember).post('/v2/images', { visibility: 'public' });

    expect(res.status).toBe(403);
  });

  it('reader lists and reads its project', async () => {
    const reader = withToken(server, alphaReader);

    expect(listedIds(await reader.get('/v2/images?limit=1000'))).toContain(alphaImage);
    expect((await reader.get(`/v2/images/${alphaImage}`)).status).toBe(200);
    expect((await reader.get(`/v2/images/${betaPrivateImage}`)).status).toBe(404);
  });

  it('reader cannot modify', async () => {
    const reader = withToken(server, alphaReader);
    const patch = await reader.request('PATCH', `/v2/images/${alphaImage}`, {
      json: [{ op: 'replace', path: '/name', value: 'changed' }],
      headers: { 'Content-Type': PATCH_V21 },
    });

    expect(patch.status).toBe(403);
    expect((await reader.post('/v2/images', { name: 'by-reader' })).status).toBe(403);
    expect((await reader.delete(`/v2/images/${alphaImage}`)).status).toBe(403);
    expect((await reader.put(`/v2/images/${alphaImage}/tags/reader`)).status).toBe(403);
    expect((await withToken(server, alphaMember).get(`/v2/images/${alphaImage}`)).json.name).toBe('alpha-image');
  });

  it('invalid token gets 401', async () => {
    const res = await send(server.url, 'GET', '/v2/images', { headers: { 'X-Auth-Token': 'not-a-token' } });

    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Keystone uri="${KEYSTONE_URL}"`);
  });

  it('missing token gets 401', async () => {
    const res = await send(server.url, 'GET', '/v2/images');

    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Keystone uri="${KEYSTONE_URL}"`);
  });

  it('versions need no token', async () => {
    expect((await send(server.url, 'GET', '/versions')).status).toBe(200);
  });
});

describeWithKeystone('Keystone token revocation', () => {
  let uncached: TestServer;
  let cached: TestServer;

  beforeAll(async () => {
    [uncached, cached] = await Promise.all([
      startTestServer({ ...keystoneServerSettings(), IRIS_KEYSTONE_CACHE_TTL_MS: '0' }),
      startTestServer({ ...keystoneServerSettings(), IRIS_KEYSTONE_CACHE_TTL_MS: String(SHORT_CACHE_MS) }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([uncached?.close(), cached?.close()]);
  });

  it('revoked token gets 401 without cache', async () => {
    const issued = await issueToken('alpha-member', 'iris-alpha');
    const client = withToken(uncached, issued);
    expect((await client.get('/v2/images')).status).toBe(200);

    await revokeToken(issued.token);

    const res = await client.get('/v2/images');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Keystone uri="${KEYSTONE_URL}"`);
  });

  it('revocation takes effect within the cache time', async () => {
    const issued = await issueToken('alpha-member', 'iris-alpha');
    const client = withToken(cached, issued);
    expect((await client.get('/v2/images')).status).toBe(200);
    const validatedAt = Date.now();

    await revokeToken(issued.token);

    // Within the cache time the revoked token still works: the staleness is bounded, not zero.
    const stale = await client.get('/v2/images');
    if (Date.now() - validatedAt < SHORT_CACHE_MS) expect(stale.status).toBe(200);
    await sleep(SHORT_CACHE_MS - (Date.now() - validatedAt) + 100);
    expect((await client.get('/v2/images')).status).toBe(401);
  });
});

describeWithKeystone('Keystone unreachable', () => {
  let relay: KeystoneRelay;
  let server: TestServer;
  let closedPortServer: TestServer;

  beforeAll(async () => {
    relay = new KeystoneRelay();
    await relay.start();
    [server, closedPortServer] = await Promise.all([
      startTestServer(keystoneServerSettings(relay.url)),
      startTestServer({ ...keystoneServerSettings('http://127.0.0.1:9/v3'), IRIS_KEYSTONE_TIMEOUT_MS: '1000' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([relay?.stop(), server?.close(), closedPortServer?.close()]);
  });

  it('Keystone down gets 503', async () => {
    const [first, second] = await Promise.all([
      issueToken('beta-member', 'iris-beta'),
      issueToken('alpha-member', 'iris-alpha'),
    ]);
    expect((await withToken(server, first).get('/v2/images')).status).toBe(200);

    await relay.stop();

    const res = await withToken(server, second).get('/v2/images');
    expect(res.status).toBe(503);
    expect(res.json.message).toContain('Keystone');
  });

  it('closed Keystone port gets 503', async () => {
    const issued = await issueToken('alpha-member', 'iris-alpha');

    const res = await withToken(closedPortServer, issued).get('/v2/images');

    expect(res.status).toBe(503);
  });
});
