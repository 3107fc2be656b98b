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

describe('version discovery', () => {
  it('lists versions at /versions', async () => {
    const res = await api.get('/versions');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const versions = res.json.versions as { id: string; status: string; links: unknown[] }[];
    expect(versions[0].status).toBe('CURRENT');
    expect(versions.map((version) => version.id)).toContain('v2.0');
    for (const version of versions) {
      const api = version.id.startsWith('v1.') ? 'v1' : 'v2';
      expect(version.links).toEqual([{ rel: 'self', href: `${server.url}/${api}/` }]);
    }
  });

  it('lists v1 as deprecated', async () => {
    const res = await api.get('/versions');
    const versions = res.json.versions as { id: string; status: string }[];

    expect(versions.filter((version) => version.id.startsWith('v1.'))).toEqual([
      expect.objectContaining({ id: 'v1.1', status: 'DEPRECATED' }),
      expect.objectContaining({ id: 'v1.0', status: 'DEPRECATED' }),
    ]);
  });

  it('lists versions for any method', async () => {
    const post = await api.post('/versions');
    const trailing = await api.get('/versions/');

    expect(post.status).toBe(200);
    expect(post.json.versions.length).toBeGreaterThan(0);
    expect(trailing.status).toBe(200);
  });

  it('root returns multiple choices', async () => {
    const res = await api.get('/');

    expect(res.status).toBe(300);
    expect(res.json.versions[0].status).toBe('CURRENT');
  });

  it('unknown version returns 300', async () => {
    const v3 = await api.get('/v3/images');
    const v9 = await api.get('/v9/images');

    expect(v3.status).toBe(300);
    expect(v9.status).toBe(300);
  });

  it('minor version path serves v2', async () => {
    const res = await api.get('/v2.1/images');

    expect(res.status).toBe(200);
    expect(res.json.images).toEqual([]);
  });

  it.each(['/v2', '/v2.1', '/v2?limit=1'])('%s redirects to /v2/', async (path) => {
    const res = await api.get(path);

    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${server.url}/v2/`);
  });

  it('version in Accept header serves v2', async () => {
    const res = await api.get('/images', { Accept: 'application/vnd.openstack.images-v2.1' });

    expect(res.status).toBe(200);
    expect(res.json.schema).toBe('/v2/schemas/images');
  });
});
