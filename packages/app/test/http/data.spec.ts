import { createHash, randomBytes } from 'node:crypto';
import { ClientRequest, request as httpRequest } from 'node:http';
import {
  ApiClient,
  HttpResponse,
  projectMember,
  startTestServer,
  storedFilesOf,
  TestServer,
} from './helpers';

/** Small on purpose, so that the size-cap tests send little data. */
const IMAGE_SIZE_CAP = 4096;

let server: TestServer;
let admin: ApiClient;
let owner: ApiClient;
let stranger: ApiClient;

const DATA = Buffer.from('hello world 0123456789');
const JSON_ACCEPT = { Accept: 'application/json' };

beforeAll(async () => {
  server = await startTestServer({ IRIS_IMAGE_SIZE_CAP: String(IMAGE_SIZE_CAP) });
  admin = new ApiClient(server.url);
  owner = admin.as(projectMember('data-owner'));
  stranger = admin.as(projectMember('data-stranger'));
});

afterAll(async () => {
  await server.close();
});

function digest(algorithm: string, data: Buffer): string {
  return createHash(algorithm).update(data).digest('hex');
}

async function queuedRawImage(client: ApiClient = admin): Promise<string> {
  const image = await client.createImage({ disk_format: 'raw', container_format: 'bare' });
  return image.id;
}

/** Polls until the check passes, or fails after a few seconds. */
async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sends an upload with chunked transfer encoding, so no size is declared. */
function uploadChunked(id: string, data: Buffer): Promise<HttpResponse> {
  return admin.request('PUT', `/v2/images/${id}/file`, {
    body: data,
    chunked: true,
    headers: { 'Content-Type': 'application/octet-stream', ...JSON_ACCEPT },
  });
}

describe('PUT /v2/images/{id}/file', () => {
  it('upload activates image with hashes', async () => {
    const data = randomBytes(3000);
    const id = await queuedRawImage();

    const res = await admin.upload(id, data);

    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const image = (await admin.get(`/v2/images/${id}`)).json;
    expect(image.status).toBe('active');
    expect(image.size).toBe(data.length);
    expect(image.virtual_size).toBe(data.length);
    expect(image.checksum).toBe(digest('md5', data));
    expect(image.os_hash_algo).toBe('sha512');
    expect(image.os_hash_value).toBe(digest('sha512', data));
    expect(await storedFilesOf(server, id)).toEqual([id]);
  });

  it('empty upload activates image', async () => {
    const id = await queuedRawImage();

    expect((await admin.upload(id, Buffer.alloc(0))).status).toBe(204);

    const image = (await admin.get(`/v2/images/${id}`)).json;
    expect(image.status).toBe('active');
    expect(image.size).toBe(0);
    expect(image.virtual_size).toBeNull();
    expect(image.checksum).toBe(digest('md5', Buffer.alloc(0)));
  });

  it('non-bare container gets no virtual size', async () => {
    const image = await admin.createImage({ disk_format: 'raw', container_format: 'ovf' });

    expect((await admin.upload(image.id, DATA)).status).toBe(204);

    const shown = (await admin.get(`/v2/images/${image.id}`)).json;
    expect(shown.size).toBe(DATA.length);
    expect(shown.virtual_size).toBeNull();
  });

  it('chunked upload works', async () => {
    const id = await queuedRawImage();

    const res = await uploadChunked(id, DATA);

    expect(res.status).toBe(204);
    expect((await admin.get(`/v2/images/${id}`)).json.size).toBe(DATA.length);
  });

  it('second upload conflicts', async () => {
    const id = await admin.createActiveImage(DATA);

    const res = await admin.request('PUT', `/v2/images/${id}/file`, {
      body: DATA,
      headers: { 'Content-Type': 'application/octet-stream', ...JSON_ACCEPT },
    });

    expect(res.status).toBe(409);
    const expected = 'Image status transition from active to saving is not allowed';
    expect(res.json.message).toContain(expected);
  });

  it('upload to deactivated image conflicts', async () => {
    const id = await admin.createActiveImage(DATA);
    await admin.post(`/v2/images/${id}/actions/deactivate`);

    expect((await admin.upload(id, DATA)).status).toBe(409);
  });

  it('upload without formats is 400', async () => {
    const image = await admin.createImage({ name: 'no formats' });

    const res = await admin.request('PUT', `/v2/images/${image.id}/file`, {
      body: DATA,
      headers: { 'Content-Type': 'application/octet-stream', ...JSON_ACCEPT },
    });

    expect(res.status).toBe(400);
    expect(res.json.message).toContain('must be set prior to saving data.');
    expect(await admin.statusOf(image.id)).toBe('queued');
  });

  it.each(['text/plain', 'application/json'])('content type %s is 415', async (type) => {
    const id = await queuedRawImage();

    const res = await admin.request('PUT', `/v2/images/${id}/file`, {
      body: DATA,
      headers: { 'Content-Type': type, ...JSON_ACCEPT },
    });

    expect(res.status).toBe(415);
    expect(res.json.code).toBe('415 Unsupported Media Type');
    expect(await admin.statusOf(id)).toBe('queued');
  });

  it('missing content type is 415', async () => {
    const id = await queuedRawImage();

    const res = await admin.request('PUT', `/v2/images/${id}/file`, { body: DATA });

    expect(res.status).toBe(415);
  });

  it('image size header is ignored', async () => {
    const id = await queuedRawImage();

    const res = await admin.request('PUT', `/v2/images/${id}/file`, {
      body: DATA,
      headers: { 'Content-Type': 'application/octet-stream', 'x-openstack-image-size': 'abc' },
    });

    expect(res.status).toBe(204);
    expect((await admin.get(`/v2/images/${id}`)).json.size).toBe(DATA.length);
  });

  it('data at the cap is accepted', async () => {
    const id = await queuedRawImage();

    expect((await admin.upload(id, randomBytes(IMAGE_SIZE_CAP))).status).toBe(204);
  });

  it('declared size past cap is 413', async () => {
    const id = await queuedRawImage();

    const res = await admin.request('PUT', `/v2/images/${id}/file`, {
      body: randomBytes(IMAGE_SIZE_CAP + 1),
      headers: { 'Content-Type': 'application/octet-stream', ...JSON_ACCEPT },
    });

    expect(res.status).toBe(413);
    expect(res.json.code).toBe('413 Request Entity Too Large');
    expect(await admin.statusOf(id)).toBe('queued');
    expect(await storedFilesOf(server, id)).toEqual([]);
  });

  it('streamed data past cap is 413', async () => {
    const id = await queuedRawImage();

    const res = await uploadChunked(id, randomBytes(IMAGE_SIZE_CAP + 1));

    expect(res.status).toBe(413);
    expect(await admin.statusOf(id)).toBe('queued');
    expect(await storedFilesOf(server, id)).toEqual([]);
  });

  it('image stays uploadable after 413', async () => {
    const id = await queuedRawImage();
    await uploadChunked(id, randomBytes(IMAGE_SIZE_CAP + 1));

    const res = await admin.upload(id, DATA);

    expect(res.status).toBe(204);
    expect(await admin.statusOf(id)).toBe('active');
  });

  it('upload by another project forbidden', async () => {
    const image = await admin.createImage({
      visibility: 'public',
      owner: 'data-owner',
      disk_format: 'raw',
      container_format: 'bare',
    });

    expect((await stranger.upload(image.id, DATA)).status).toBe(403);
    expect(await admin.statusOf(image.id)).toBe('queued');
  });

  it('upload to invisible image 404', async () => {
    const id = await queuedRawImage(owner);
    await owner.patch(id, [{ op: 'replace', path: '/visibility', value: 'private' }]);

    expect((await stranger.upload(id, DATA)).status).toBe(404);
  });
});

describe('aborted uploads', () => {
  /** Default size cap, so that an upload can pass the store's in-memory threshold. */
  let roomy: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    roomy = await startTestServer();
    api = new ApiClient(roomy.url);
  });

  afterAll(async () => {
    await roomy.close();
  });

  /** Starts an upload that declares `declared` bytes and sends only `sent` of them. */
  function startUpload(id: string, declared: number, sent: number): ClientRequest {
    const url = new URL(`/v2/images/${id}/file`, roomy.url);
    const req = httpRequest(url, {
      method: 'PUT',
      agent: false,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(declared) },
    });
    req.on('error', () => undefined);
    req.write(randomBytes(sent));
    return req;
  }

  async function expectQueuedWithoutData(id: string): Promise<void> {
    await waitFor(async () => (await api.statusOf(id)) === 'queued', 'the image to be queued');
    await waitFor(async () => (await storedFilesOf(roomy, id)).length === 0, 'the cleanup');
    const image = (await api.get(`/v2/images/${id}`)).json;
    expect(image.size).toBeNull();
    expect(image.checksum).toBeNull();
  }

  it('abort removes the partial file', async () => {
    const image = await api.createImage({ disk_format: 'raw', container_format: 'bare' });
    const req = startUpload(image.id, 8 * 1024 * 1024, 2 * 1024 * 1024);

    await waitFor(async () => (await api.statusOf(image.id)) === 'saving', 'the upload to start');
    await waitFor(async () => (await storedFilesOf(roomy, image.id)).length > 0, 'a partial file');
    req.destroy();

    await expectQueuedWithoutData(image.id);
  });

  it('abort of small upload leaves queued', async () => {
    const image = await api.createImage({ disk_format: 'raw', container_format: 'bare' });
    const req = startUpload(image.id, 4000, 1000);

    await waitFor(async () => (await api.statusOf(image.id)) === 'saving', 'the upload to start');
    req.destroy();

    await expectQueuedWithoutData(image.id);
  });

  it('image uploads after an abort', async () => {
    const image = await api.createImage({ disk_format: 'raw', container_format: 'bare' });
    const req = startUpload(image.id, 4000, 1000);
    await waitFor(async () => (await api.statusOf(image.id)) === 'saving', 'the upload to start');
    req.destroy();
    await expectQueuedWithoutData(image.id);

    expect((await api.upload(image.id, DATA)).status).toBe(204);
    expect((await api.get(`/v2/images/${image.id}`)).json.checksum).toBe(digest('md5', DATA));
  });
});

describe('GET /v2/images/{id}/file', () => {
  let id: string;

  beforeAll(async () => {
    id = await admin.createActiveImage(DATA);
  });

  function download(headers: Record<string, string> = {}, client = admin): Promise<HttpResponse> {
    return client.get(`/v2/images/${id}/file`, { ...JSON_ACCEPT, ...headers });
  }

  it('downloads data with headers', async () => {
    const res = await download();

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-length']).toBe(String(DATA.length));
    expect(res.headers['content-md5']).toBe(digest('md5', DATA));
    expect(res.headers.etag).toBeUndefined();
    expect(res.body.equals(DATA)).toBe(true);
  });

  it.each([
    ['bytes=0-4', '0-4', 'hello'],
    ['bytes=6-10', '6-10', 'world'],
    ['bytes=12-', '12-21', '0123456789'],
    ['bytes=-4', '18-21', '6789'],
    ['bytes=0-1000', '0-21', DATA.toString()],
    ['bytes=-1000', '0-21', DATA.toString()],
    ['bytes=-0', '0-21', DATA.toString()],
  ])('Range %s is partial content', async (range, served, text) => {
    const res = await download({ Range: range });

    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${served}/${DATA.length}`);
    expect(res.headers['content-length']).toBe(String(text.length));
    expect(res.headers['content-md5']).toBe(digest('md5', DATA));
    expect(res.text).toBe(text);
  });

  it.each(['bytes=22-', 'bytes=100-200', 'bytes=5-2', 'bytes=abc', 'items=0-1'])(
    'Range %s is unsatisfiable',
    async (range) => {
      const res = await download({ Range: range });

      expect(res.status).toBe(416);
      expect(res.statusText).toBe('Request Range Not Satisfiable');
      expect(res.json.code).toBe('416 Request Range Not Satisfiable');
    },
  );

  it('multiple ranges are 400', async () => {
    const res = await download({ Range: 'bytes=0-1,3-4' });

    expect(res.status).toBe(400);
  });

  it('image without data is 204', async () => {
    const image = await admin.createImage();

    const res = await admin.get(`/v2/images/${image.id}/file`);

    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers['content-md5']).toBeUndefined();
  });

  it('empty image downloads empty body', async () => {
    const emptyId = await admin.createActiveImage(Buffer.alloc(0));

    const res = await admin.get(`/v2/images/${emptyId}/file`);
    const ranged = await admin.get(`/v2/images/${emptyId}/file`, { Range: 'bytes=0-' });

    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('0');
    expect(res.headers['content-md5']).toBe(digest('md5', Buffer.alloc(0)));
    expect(ranged.status).toBe(416);
  });

  it('deactivated image forbidden to non-admin', async () => {
    const ownedId = await owner.createActiveImage(DATA);
    await owner.post(`/v2/images/${ownedId}/actions/deactivate`);

    const byOwner = await owner.get(`/v2/images/${ownedId}/file`, JSON_ACCEPT);
    const byAdmin = await admin.get(`/v2/images/${ownedId}/file`);

    expect(byOwner.status).toBe(403);
    expect(byOwner.json.message).toContain('The requested image has been deactivated.');
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.equals(DATA)).toBe(true);
  });

  it('reactivated image downloads again', async () => {
    const ownedId = await owner.createActiveImage(DATA);
    await owner.post(`/v2/images/${ownedId}/actions/deactivate`);
    await owner.post(`/v2/images/${ownedId}/actions/reactivate`);

    const res = await owner.get(`/v2/images/${ownedId}/file`);

    expect(res.status).toBe(200);
  });

  it('invisible image download 404', async () => {
    const ownedId = await owner.createActiveImage(DATA, { visibility: 'private' });

    expect((await stranger.get(`/v2/images/${ownedId}/file`)).status).toBe(404);
  });

  it('public image downloads for others', async () => {
    const publicId = await admin.createActiveImage(DATA, { visibility: 'public' });

    const res = await stranger.get(`/v2/images/${publicId}/file`);

    expect(res.status).toBe(200);
    expect(res.body.equals(DATA)).toBe(true);
  });

  it('body on download is 400', async () => {
    const res = await admin.request('GET', `/v2/images/${id}/file`, { body: 'x' });

    expect(res.status).toBe(400);
  });
});
