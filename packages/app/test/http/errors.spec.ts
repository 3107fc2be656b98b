import { ApiClient, HttpResponse, startTestServer, TestServer } from './helpers';

let server: TestServer;
let api: ApiClient;

const MISSING_ID = '00000000-0000-0000-0000-000000000000';
const MISSING_PATH = `/v2/images/${MISSING_ID}`;

beforeAll(async () => {
  server = await startTestServer();
  api = new ApiClient(server.url);
});

afterAll(async () => {
  await server.close();
});

describe('error body format', () => {
  it('JSON when Accept is JSON', async () => {
    const res = await api.get(MISSING_PATH, { Accept: 'application/json' });

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toEqual({
      message: `No image found with ID ${MISSING_ID}<br /><br />\n\n\n`,
      code: '404 Not Found',
      title: 'Not Found',
    });
  });

  it('HTML without an Accept header', async () => {
    const res = await api.get(MISSING_PATH);

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<title>404 Not Found</title>');
    expect(res.text).toContain('<h1>404 Not Found</h1>');
    expect(res.text).toContain(`No image found with ID ${MISSING_ID}`);
  });

  it('HTML when Accept is */*', async () => {
    const res = await api.get(MISSING_PATH, { Accept: '*/*' });

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
  });

  it('plain text when Accept is text/plain', async () => {
    const res = await api.get(MISSING_PATH, { Accept: 'text/plain' });

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe(`404 Not Found\n\nNo image found with ID ${MISSING_ID}\n\n   `);
  });

  it.each([
    ['application/json, text/html', 'text/html'],
    ['text/html;q=0.5, application/json', 'application/json'],
    ['application/*', 'application/json'],
    ['text/*', 'text/html'],
    ['image/png', 'text/plain'],
    ['not a media range', 'text/html'],
    ['application/json;q=0', 'text/plain'],
  ])('Accept %s renders %s', async (accept, type) => {
    const res = await api.get(MISSING_PATH, { Accept: accept });

    expect(res.status).toBe(404);
    expect(res.headers['content-type']?.split(';')[0]).toBe(type);
  });
});

describe('routing errors', () => {
  const json = { Accept: 'application/json' };

  it('non-UUID image id is 404', async () => {
    const res = await api.get('/v2/images/not-a-uuid', json);

    expect(res.status).toBe(404);
    expect(res.json.message).toContain('No image found with ID not-a-uuid');
  });

  it('unknown v2 path is 404', async () => {
    const res = await api.get('/v2/nothing/here', json);

    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      message: 'The resource could not be found.<br /><br />\n\n\n',
      code: '404 Not Found',
      title: 'Not Found',
    });
  });

  it.each([
    ['DELETE', '/v2/images', 'GET, POST'],
    ['PUT', `/v2/images/${MISSING_ID}`, 'GET, PATCH, DELETE'],
    ['POST', `/v2/images/${MISSING_ID}/file`, 'GET, PUT'],
    ['GET', `/v2/images/${MISSING_ID}/actions/deactivate`, 'POST'],
    ['GET', `/v2/images/${MISSING_ID}/tags/a`, 'PUT, DELETE'],
    ['PATCH', `/v2/images/${MISSING_ID}/members`, 'GET, POST'],
    ['POST', `/v2/images/${MISSING_ID}/members/p`, 'GET, PUT, DELETE'],
    ['DELETE', '/v2/schemas/image', 'GET'],
  ])('%s %s is 405', async (method, path, allow) => {
    const res = await api.request(method, path, { headers: json });

    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.json.code).toBe('405 Method Not Allowed');
    expect(res.json.message).toContain(`The method ${method} is not allowed`);
  });

  it('unregistered method is 405', async () => {
    const res = await api.request('TRACE', '/v2/images', { headers: json });

    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
  });

  it('HEAD is not allowed', async () => {
    const res = await api.request('HEAD', '/v2/images');

    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
  });

  it('unknown method on unknown path 501', async () => {
    const res = await api.request('TRACE', '/v2/nothing', { headers: json });

    expect(res.status).toBe(501);
    expect(res.json.code).toBe('501 Not Implemented');
  });

  it('OPTIONS returns empty 200', async () => {
    const res = await api.request('OPTIONS', '/v2/images');

    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('0');
    expect(res.text).toBe('');
  });
});

describe('request body errors', () => {
  const json = { Accept: 'application/json' };

  it('malformed JSON is 400', async () => {
    const res = await api.request('POST', '/v2/images', { body: '{bad', headers: json });

    expect(res.status).toBe(400);
    expect(res.json.message).toBe('Malformed JSON in request body.<br /><br />\n\n\n');
  });

  it('trailing garbage is malformed JSON', async () => {
    const res = await api.request('POST', '/v2/images', { body: '{"name":"a"} x', headers: json });

    expect(res.status).toBe(400);
    expect(res.json.message).toContain('Malformed JSON in request body.');
  });

  it('invalid UTF-8 is malformed JSON', async () => {
    const body = Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);
    const res = await api.request('POST', '/v2/images', { body, headers: json });

    expect(res.status).toBe(400);
    expect(res.json.message).toContain('Malformed JSON in request body.');
  });

  it.each(['"text"', '5', 'null'])('JSON scalar %s is 400', async (body) => {
    const res = await api.request('POST', '/v2/images', { body, headers: json });

    expect(res.status).toBe(400);
  });

  it('JSON list for create is 400', async () => {
    const res = await api.request('POST', '/v2/images', { body: '[]', headers: json });

    expect(res.status).toBe(400);
  });

  it('missing body is 400', async () => {
    const res = await api.request('POST', '/v2/images', { headers: json });

    expect(res.status).toBe(400);
    expect(res.json.message).toBe('Body expected in request.<br /><br />\n\n\n');
  });

  it('body on show is 400', async () => {
    const res = await api.request('GET', MISSING_PATH, { body: '{}', headers: json });

    expect(res.status).toBe(400);
    expect(res.json.message).toContain('A body is not expected with this request.');
  });

  it('body on listing is ignored', async () => {
    const res = await api.request('GET', '/v2/images', { body: '{}', headers: json });

    expect(res.status).toBe(200);
  });

  it('text/plain JSON create works', async () => {
    const res = await api.request('POST', '/v2/images', {
      body: '{"name":"typed as text"}',
      headers: { ...json, 'Content-Type': 'text/plain' },
    });

    expect(res.status).toBe(201);
    expect(res.json.name).toBe('typed as text');
  });
});

describe('request ids', () => {
  function requestIdOf(res: HttpResponse): string {
    return String(res.headers['x-openstack-request-id']);
  }

  it('minted on every response', async () => {
    const responses = [
      await api.get('/versions'),
      await api.get('/'),
      await api.get('/v2/images'),
      await api.get(MISSING_PATH),
      await api.request('DELETE', '/v2/images'),
      await api.request('POST', '/v2/images', { body: '{bad' }),
      await api.request('OPTIONS', '/v2/images'),
    ];

    for (const res of responses) {
      expect(requestIdOf(res)).toMatch(/^req-[0-9a-f-]{36}$/);
    }
    const ids = new Set(responses.map(requestIdOf));
    expect(ids.size).toBe(responses.length);
  });

  it('given id echoed with prefix', async () => {
    const res = await api.get('/v2/images', { 'X-Openstack-Request-Id': 'client-chosen-id' });

    expect(requestIdOf(res)).toBe('req-client-chosen-id');
  });

  it('prefixed id echoed unchanged', async () => {
    const res = await api.get(MISSING_PATH, { 'X-Openstack-Request-Id': 'req-abc' });

    expect(res.status).toBe(404);
    expect(requestIdOf(res)).toBe('req-abc');
  });
});
