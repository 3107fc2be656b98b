import { randomBytes } from 'node:crypto';
import { ApiClient, TestServer } from '../http/helpers';
import {
  durabilityDatabaseKinds,
  md5,
  partialFiles,
  sleep,
  startServerOn,
  startStreamingUpload,
  storedMd5,
} from './servers';

const FORMATS = { disk_format: 'raw', container_format: 'bare' };

describe.each(durabilityDatabaseKinds())('concurrent writes on %s', (kind) => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startServerOn(kind);
    api = new ApiClient(server.url);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('two uploads: one wins, one gets 409', async () => {
    const image = await api.createImage(FORMATS);
    const first = randomBytes(3 * 1024 * 1024);
    const second = randomBytes(3 * 1024 * 1024);

    const responses = await Promise.all([api.upload(image.id, first), api.upload(image.id, second)]);

    const statuses = responses.map((res) => res.status).sort();
    expect(statuses).toEqual([204, 409]);
    const winner = responses[0].status === 204 ? first : second;
    const shown = await api.get(`/v2/images/${image.id}`);
    expect(shown.json.status).toBe('active');
    expect(shown.json.checksum).toBe(md5(winner));
    expect(shown.json.size).toBe(winner.length);
    expect(await storedMd5(server.imagesDir, image.id)).toBe(md5(winner));
    expect(await partialFiles(server.imagesDir)).toEqual([]);
  });

  it('delete during upload: 410 and no data', async () => {
    const image = await api.createImage(FORMATS);
    const upload = startStreamingUpload(server.url, image.id);
    await upload.write(randomBytes(2 * 1024 * 1024));
    await waitForStatus(api, image.id, 'saving');

    const deleted = await api.delete(`/v2/images/${image.id}`);
    await upload.write(randomBytes(1024 * 1024));
    upload.end();
    const uploaded = await upload.response;

    expect(deleted.status).toBe(204);
    expect(uploaded.status).toBe(410);
    expect((await api.get(`/v2/images/${image.id}`)).status).toBe(404);
    expect(await storedMd5(server.imagesDir, image.id)).toBeNull();
    expect(await partialFiles(server.imagesDir)).toEqual([]);
  });

  it('delete after upload removes data', async () => {
    const data = randomBytes(1024 * 1024);
    const id = await api.createActiveImage(data);
    expect(await storedMd5(server.imagesDir, id)).toBe(md5(data));

    const deleted = await api.delete(`/v2/images/${id}`);

    expect(deleted.status).toBe(204);
    expect(await storedMd5(server.imagesDir, id)).toBeNull();
  });

  it('upload racing delete keeps row and bytes in step', async () => {
    for (let round = 0; round < 5; round++) {
      const image = await api.createImage(FORMATS);
      const data = randomBytes(512 * 1024);

      const [uploaded, deleted] = await Promise.all([
        api.upload(image.id, data),
        sleep(round).then(() => api.delete(`/v2/images/${image.id}`)),
      ]);

      const shown = await api.get(`/v2/images/${image.id}`);
      if (shown.status === 200) {
        // The upload won and the delete lost the race.
        expect(uploaded.status).toBe(204);
        expect(deleted.status).toBe(409);
        expect(shown.json.checksum).toBe(md5(data));
        expect(await storedMd5(server.imagesDir, image.id)).toBe(md5(data));
      } else {
        expect(shown.status).toBe(404);
        expect(deleted.status).toBe(204);
        expect([404, 409, 410]).toContain(uploaded.status);
        expect(await storedMd5(server.imagesDir, image.id)).toBeNull();
      }
    }
    expect(await partialFiles(server.imagesDir)).toEqual([]);
  });

  it('racing patches lose no update', async () => {
    const writers = 5;
    for (let round = 0; round < 4; round++) {
      const image = await api.createImage(FORMATS);

      // Each writer adds its own property within the same second. A writer
      // that read a stale image must get 409, never overwrite another's write.
      const responses = await Promise.all(
        Array.from({ length: writers }, (_, i) =>
          api.patch(image.id, [{ op: 'add', path: `/writer_${i}`, value: String(i) }]),
        ),
      );

      const shown = (await api.get(`/v2/images/${image.id}`)).json;
      responses.forEach((res, i) => {
        expect([200, 409]).toContain(res.status);
        if (res.status === 200) expect(shown[`writer_${i}`]).toBe(String(i));
        else expect(shown[`writer_${i}`]).toBeUndefined();
      });
      expect(responses.some((res) => res.status === 200)).toBe(true);
    }
  });
});

async function waitForStatus(api: ApiClient, id: string, status: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await api.statusOf(id)) !== status) {
    if (Date.now() > deadline) throw new Error(`image ${id} did not reach ${status} within 5 s`);
    await sleep(20);
  }
}
