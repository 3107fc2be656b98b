import {
  randomData,
  RAW_BARE,
  startV1Server,
  storedFiles,
  V1Client,
  V1TestServer,
} from './v1-helpers';

let server: V1TestServer;
let admin: V1Client;

const SIZE_CAP = 1000;

beforeAll(async () => {
  server = await startV1Server({
    IRIS_IMAGE_SIZE_CAP: String(SIZE_CAP),
    IRIS_IMAGE_PROPERTY_QUOTA: '2',
  });
  admin = new V1Client(server.url);
});

afterAll(async () => {
  await server.close();
});

describe('image size cap', () => {
  it('rejects a declared size over the cap', async () => {
    const res = await admin.create({
      ...RAW_BARE,
      'x-image-meta-name': 'too-big',
      'x-image-meta-size': '1001',
    });

    expect(res.status).toBe(400);
    expect(res.text).toContain(
      `Denying attempt to upload image larger than ${SIZE_CAP} bytes.`,
    );
    expect(
      (await admin.get('/v1/images?is_public=none&name=too-big')).json.images,
    ).toEqual([]);
  });

  it('rejects a Content-Length over the cap', async () => {
    const res = await admin.create({ ...RAW_BARE }, randomData(SIZE_CAP + 1));

    expect(res.status).toBe(400);
  });

  it('kills an image whose chunked body passes the cap', async () => {
    const id = 'b1000000-0000-4000-8000-000000000001';

    const res = await admin.create(
      { ...RAW_BARE, 'x-image-meta-id': id },
      randomData(SIZE_CAP + 1),
      {
        chunked: true,
      },
    );

    expect(res.status).toBe(413);
    const head = await admin.head(`/v1/images/${id}`);
    expect(head.headers['x-image-meta-status']).toBe('killed');
    expect(await storedFiles(server)).toEqual([]);
  });

  it('accepts data of exactly the cap', async () => {
    const res = await admin.create({ ...RAW_BARE }, randomData(SIZE_CAP), {
      chunked: true,
    });

    expect(res.status).toBe(201);
    expect(res.json.image.size).toBe(SIZE_CAP);
  });
});

describe('property quota', () => {
  it('rejects too many properties on create', async () => {
    const res = await admin.create({
      'x-image-meta-property-a': '1',
      'x-image-meta-property-b': '2',
      'x-image-meta-property-c': '3',
    });

    expect(res.status).toBe(413);
  });

  it('counts kept properties on update', async () => {
    const image = await admin.createImage({
      'x-image-meta-property-a': '1',
      'x-image-meta-property-b': '2',
    });

    const kept = await admin.update(image.id, {
      'x-glance-registry-purge-props': 'false',
      'x-image-meta-property-c': '3',
    });
    const purged = await admin.update(image.id, {
      'x-image-meta-property-c': '3',
    });

    expect(kept.status).toBe(413);
    expect(purged.status).toBe(200);
    expect(purged.json.image.properties).toEqual({ c: '3' });
  });
});
