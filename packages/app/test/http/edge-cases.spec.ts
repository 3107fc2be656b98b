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

describe('malformed paths', () => {
  it.each(['/v2/images/%ZZ', '/v2/images/%ZZ/file', '/v2/images/%E0%A4%A/members'])(
    '%s is not found',
    async (path) => {
      const res = await api.get(path, { Accept: 'application/json' });

      expect(res.status).toBe(404);
      expect(res.json.code).toBe('404 Not Found');
    },
  );

  it.each(['/v2/images/', '/v2/schemas/image/'])('trailing slash %s not found', async (path) => {
    expect((await api.get(path)).status).toBe(404);
  });
});

describe('numeric column filters', () => {
  it('min_ram and min_disk match exactly', async () => {
    const tag = `ram-${Date.now()}`;
    for (const minRam of [1, 2, 3]) {
      await api.createImage({ tags: [tag], min_ram: minRam, min_disk: minRam * 10 });
    }
    const names = async (query: string): Promise<number[]> => {
      const res = await api.get(`/v2/images?tag=${tag}&${query}`);
      return (res.json.images as { min_ram: number }[]).map((image) => image.min_ram).sort();
    };

    expect(await names('min_ram=3')).toEqual([3]);
    expect(await names('min_disk=20')).toEqual([2]);
    expect(await names('min_ram=abc')).toEqual([]);
    expect(await names('min_ram=2&min_ram_min=1')).toEqual([2]);
  });
});

describe('legacy Content-Range download', () => {
  it('serves the named bytes', async () => {
    const data = Buffer.from('0123456789abcdefghij');
    const id = await api.createActiveImage(data);

    const res = await api.get(`/v2/images/${id}/file`, { 'Content-Range': 'bytes 2-5/*' });

    expect(res.status).toBe(206);
    expect(res.text).toBe('2345');
    expect(res.headers['content-range']).toBe('bytes 2-5/20');
  });

  it('rejects a reversed range', async () => {
    const id = await api.createActiveImage(Buffer.from('0123456789'));

    const res = await api.get(`/v2/images/${id}/file`, { 'Content-Range': 'bytes 5-2/*' });

    expect(res.status).toBe(416);
  });
});

describe('surrogates in JSON bodies', () => {
  const post = (body: string) =>
    api.request('POST', '/v2/images', { body, headers: { 'Content-Type': 'application/json' } });

  it.each([
    ['a lone high surrogate value', '{"name":"lone","p":"\\ud83d"}'],
    ['a lone low surrogate value', '{"name":"lone","p":"x\\ude00"}'],
    ['a lone surrogate in a key', '{"name":"lone","\\ud83d":"v"}'],
    ['a lone surrogate in a tag', '{"name":"lone","tags":["\\ud83d"]}'],
  ])('rejects %s', async (_name, body) => {
    const res = await post(body);

    expect(res.status).toBe(400);
  });

  it('keeps an escaped surrogate pair', async () => {
    const res = await post('{"name":"pair","p":"\\ud83d\\ude00"}');
    expect(res.status).toBe(201);

    const stored = await api.get(`/v2/images/${res.json.id as string}`);

    expect(stored.json.p).toBe('😀');
  });
});
