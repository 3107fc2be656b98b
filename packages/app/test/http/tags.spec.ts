import { ApiClient, HttpResponse, projectMember, startTestServer, TestServer } from './helpers';

/** Small on purpose, so that the quota tests need few tags. */
const TAG_QUOTA = 3;

let server: TestServer;
let admin: ApiClient;
let owner: ApiClient;
let stranger: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ IRIS_IMAGE_TAG_QUOTA: String(TAG_QUOTA) });
  admin = new ApiClient(server.url);
  owner = admin.as(projectMember('tag-owner'));
  stranger = admin.as(projectMember('tag-stranger'));
});

afterAll(async () => {
  await server.close();
});

function tagPath(id: string, tag: string): string {
  return `/v2/images/${id}/tags/${encodeURIComponent(tag)}`;
}

function addTag(id: string, tag: string, client = owner): Promise<HttpResponse> {
  return client.request('PUT', tagPath(id, tag), { headers: { Accept: 'application/json' } });
}

function removeTag(id: string, tag: string, client = owner): Promise<HttpResponse> {
  return client.request('DELETE', tagPath(id, tag), { headers: { Accept: 'application/json' } });
}

async function tagsOf(id: string): Promise<string[]> {
  const tags = (await owner.get(`/v2/images/${id}`)).json.tags as string[];
  return [...tags].sort();
}

async function newImage(fields: Record<string, unknown> = {}): Promise<string> {
  return (await owner.createImage(fields)).id;
}

describe('PUT /v2/images/{id}/tags/{tag}', () => {
  it('adds a tag', async () => {
    const id = await newImage();

    const res = await addTag(id, 'alpha');

    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await tagsOf(id)).toEqual(['alpha']);
  });

  it('adding an existing tag is idempotent', async () => {
    const id = await newImage({ tags: ['alpha'] });

    expect((await addTag(id, 'alpha')).status).toBe(204);
    expect(await tagsOf(id)).toEqual(['alpha']);
  });

  it('decodes percent-encoded tags', async () => {
    const id = await newImage();

    expect((await addTag(id, 'with space')).status).toBe(204);
    expect(await tagsOf(id)).toEqual(['with space']);
  });

  it('encoded slash matches no route', async () => {
    const id = await newImage();

    const res = await addTag(id, 'a/b');

    expect(res.status).toBe(404);
    expect(await tagsOf(id)).toEqual([]);
  });

  it('tag of 255 characters works', async () => {
    const id = await newImage();

    expect((await addTag(id, 't'.repeat(255))).status).toBe(204);
  });

  it('tag over 255 characters is 400', async () => {
    const id = await newImage();

    const res = await addTag(id, 't'.repeat(256));

    expect(res.status).toBe(400);
    expect(res.json.message).toContain("Provided object does not match schema 'image'");
    expect(await tagsOf(id)).toEqual([]);
  });

  it('tag past quota is 413', async () => {
    const id = await newImage({ tags: ['a', 'b', 'c'] });

    const res = await addTag(id, 'd');

    expect(res.status).toBe(413);
    expect(await tagsOf(id)).toEqual(['a', 'b', 'c']);
  });

  it('create past tag quota is 413', async () => {
    const res = await owner.post('/v2/images', { tags: ['a', 'b', 'c', 'd'] });

    expect(res.status).toBe(413);
  });

  it('patch past tag quota is 413', async () => {
    const id = await newImage();

    const tags = ['a', 'b', 'c', 'd'];
    const res = await owner.patch(id, [{ op: 'replace', path: '/tags', value: tags }]);

    expect(res.status).toBe(413);
  });

  it('body on tag PUT is 400', async () => {
    const id = await newImage();

    const res = await owner.request('PUT', tagPath(id, 'alpha'), { json: {} });

    expect(res.status).toBe(400);
    expect(await tagsOf(id)).toEqual([]);
  });
});

describe('DELETE /v2/images/{id}/tags/{tag}', () => {
  it('removes a tag', async () => {
    const id = await newImage({ tags: ['alpha', 'beta'] });

    const res = await removeTag(id, 'alpha');

    expect(res.status).toBe(204);
    expect(await tagsOf(id)).toEqual(['beta']);
  });

  it('missing tag is 404', async () => {
    const id = await newImage({ tags: ['alpha'] });

    const res = await removeTag(id, 'beta');

    expect(res.status).toBe(404);
    expect(await tagsOf(id)).toEqual(['alpha']);
  });
});

describe('tag access', () => {
  it('unknown image is 404', async () => {
    expect((await addTag('00000000-0000-0000-0000-000000000000', 'x')).status).toBe(404);
  });

  it('visible image of others forbidden', async () => {
    const fields = { visibility: 'public', owner: 'tag-owner', tags: ['x'] };
    const image = await admin.createImage(fields);

    expect((await addTag(image.id, 'y', stranger)).status).toBe(403);
    expect((await removeTag(image.id, 'x', stranger)).status).toBe(403);
  });

  it('invisible image of others 404', async () => {
    const id = await newImage({ visibility: 'private' });

    expect((await addTag(id, 'y', stranger)).status).toBe(404);
  });

  it('admin tags any image', async () => {
    const id = await newImage({ visibility: 'private' });

    expect((await addTag(id, 'by-admin', admin)).status).toBe(204);
    expect(await tagsOf(id)).toEqual(['by-admin']);
  });

  it('tag path allows PUT and DELETE', async () => {
    const id = await newImage();

    const res = await owner.get(tagPath(id, 'x'));

    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('PUT, DELETE');
  });

  it('tag collection has no route', async () => {
    const id = await newImage();

    expect((await owner.get(`/v2/images/${id}/tags`)).status).toBe(404);
  });
});
