import {
  md5,
  member,
  randomData,
  RAW_BARE,
  startV1Server,
  V1Client,
  V1TestServer,
} from './v1-helpers';

let server: V1TestServer;
let admin: V1Client;
let owner: V1Client;

const OWNER = 'project-both';
const FRIEND = 'project-friend';
const PATCH = {
  'Content-Type': 'application/openstack-images-v2.1-json-patch',
};

beforeAll(async () => {
  server = await startV1Server();
  admin = new V1Client(server.url);
  owner = admin.as(member(OWNER));
});

afterAll(async () => {
  await server.close();
});

function patchV2(client: V1Client, id: string, operations: unknown[]) {
  return client.request('PATCH', `/v2/images/${id}`, {
    headers: PATCH,
    body: JSON.stringify(operations),
  });
}

function postV2(client: V1Client, target: string, json: unknown) {
  return client.request('POST', target, {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(json),
  });
}

async function createV2Image(
  client: V1Client,
  fields: Record<string, unknown>,
): Promise<string> {
  const res = await postV2(client, '/v2/images', fields);
  if (res.status !== 201) {
    throw new Error(`POST /v2/images returned ${res.status}: ${res.text}`);
  }
  return res.json.id;
}

describe('image created through v1', () => {
  it('reads, lists, patches and downloads through v2', async () => {
    const data = randomData(40_000);
    const image = await owner.createImage(
      {
        ...RAW_BARE,
        'x-image-meta-name': 'from-v1',
        'x-image-meta-min_ram': '256',
        'x-image-meta-min_disk': '3',
        'x-image-meta-protected': 'False',
        'x-image-meta-property-os_distro': 'debian',
      },
      data,
    );

    const shown = await owner.get(`/v2/images/${image.id}`);
    const listed = await owner.get('/v2/images?name=from-v1');
    const patched = await patchV2(owner, image.id, [
      { op: 'replace', path: '/name', value: 'patched-by-v2' },
    ]);
    const downloaded = await owner.get(`/v2/images/${image.id}/file`);
    const head = await owner.head(`/v1/images/${image.id}`);

    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({
      id: image.id,
      name: 'from-v1',
      status: 'active',
      visibility: 'shared',
      owner: OWNER,
      size: data.length,
      checksum: md5(data),
      disk_format: 'raw',
      container_format: 'bare',
      min_ram: 256,
      min_disk: 3,
      protected: false,
      os_distro: 'debian',
    });
    expect(listed.json.images.map((item: { id: string }) => item.id)).toEqual([
      image.id,
    ]);
    expect(patched.status).toBe(200);
    expect(md5(downloaded.body)).toBe(md5(data));
    expect(head.headers['x-image-meta-name']).toBe('patched-by-v2');
    expect(head.headers['x-image-meta-property-os_distro']).toBe('debian');
  });

  it('reserved through v1 takes data through v2', async () => {
    const data = randomData(1234);
    const image = await owner.createImage({
      ...RAW_BARE,
      'x-image-meta-name': 'v1-reserved',
    });

    const upload = await owner.request('PUT', `/v2/images/${image.id}/file`, {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    const download = await owner.get(`/v1/images/${image.id}`);

    expect(upload.status).toBe(204);
    expect(download.status).toBe(200);
    expect(download.body.equals(data)).toBe(true);
    expect(download.headers['x-image-meta-checksum']).toBe(md5(data));
  });

  it('shows a killed upload as killed in v2', async () => {
    const image = await owner.createImage({
      ...RAW_BARE,
      'x-image-meta-size': '5',
    });
    await owner.update(image.id, {}, randomData(6));

    const shown = await owner.get(`/v2/images/${image.id}`);

    expect(shown.json.status).toBe('killed');
  });
});

describe('image created through v2', () => {
  it('reads, lists, updates and downloads through v1', async () => {
    // A qcow2 version 3 header without backing or data file, so that the v2
    // format inspection accepts the data as qcow2.
    const data = randomData(30_000);
    data.fill(0, 0, 112);
    data.set([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3], 0);
    const id = await createV2Image(owner, {
      name: 'from-v2',
      disk_format: 'qcow2',
      container_format: 'bare',
      min_ram: 128,
      architecture: 'x86_64',
    });
    await owner.request('PUT', `/v2/images/${id}/file`, {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });

    const head = await owner.head(`/v1/images/${id}`);
    const detail = await owner.get('/v1/images/detail?name=from-v2');
    const download = await owner.get(`/v1/images/${id}`);
    const update = await owner.update(id, {
      'x-image-meta-name': 'renamed-by-v1',
      'x-glance-registry-purge-props': 'false',
    });
    const shown = await owner.get(`/v2/images/${id}`);

    expect(head.status).toBe(200);
    expect(head.headers['x-image-meta-name']).toBe('from-v2');
    expect(head.headers['x-image-meta-disk_format']).toBe('qcow2');
    expect(head.headers['x-image-meta-min_ram']).toBe('128');
    expect(head.headers['x-image-meta-is_public']).toBe('False');
    expect(head.headers['x-image-meta-property-architecture']).toBe('x86_64');
    expect(head.headers.etag).toBe(md5(data));
    expect(detail.json.images).toHaveLength(1);
    expect(detail.json.images[0]).toMatchObject({
      id,
      size: data.length,
      checksum: md5(data),
      owner: OWNER,
    });
    expect(md5(download.body)).toBe(md5(data));
    expect(update.status).toBe(200);
    expect(shown.json.name).toBe('renamed-by-v1');
    expect(shown.json.architecture).toBe('x86_64');
  });

  it('maps is_public onto visibility', async () => {
    const publicId = await createV2Image(admin, {
      name: 'v2-public',
      visibility: 'public',
    });
    const communityId = await createV2Image(owner, {
      name: 'v2-community',
      visibility: 'community',
    });
    const privateId = await createV2Image(owner, {
      name: 'v2-private',
      visibility: 'private',
    });

    const publicHead = await admin.head(`/v1/images/${publicId}`);
    const communityHead = await owner.head(`/v1/images/${communityId}`);
    await admin.update(publicId, { 'x-image-meta-is_public': 'false' });
    await owner.update(communityId, { 'x-image-meta-is_public': 'false' });
    await owner.update(privateId, { 'x-image-meta-is_public': 'false' });

    expect(publicHead.headers['x-image-meta-is_public']).toBe('True');
    expect(communityHead.headers['x-image-meta-is_public']).toBe('False');
    expect((await admin.get(`/v2/images/${publicId}`)).json.visibility).toBe(
      'shared',
    );
    expect((await owner.get(`/v2/images/${communityId}`)).json.visibility).toBe(
      'community',
    );
    expect((await owner.get(`/v2/images/${privateId}`)).json.visibility).toBe(
      'private',
    );
  });

  it('publishes through v1 is_public', async () => {
    const id = await createV2Image(admin, { name: 'to-publish' });

    await admin.update(id, { 'x-image-meta-is_public': 'True' });

    expect((await admin.get(`/v2/images/${id}`)).json.visibility).toBe(
      'public',
    );
  });
});

describe('memberships across versions', () => {
  it('shows a v1 member in v2 as pending', async () => {
    const image = await owner.createImage({ 'x-image-meta-name': 'shared-v1' });

    await owner.request('PUT', `/v1/images/${image.id}/members/${FRIEND}`);
    const members = await owner.get(`/v2/images/${image.id}/members`);

    expect(members.status).toBe(200);
    expect(members.json.members).toHaveLength(1);
    expect(members.json.members[0]).toMatchObject({
      member_id: FRIEND,
      image_id: image.id,
      status: 'pending',
    });
  });

  it('lists a pending image to the member in v1 but not in v2', async () => {
    const image = await owner.createImage({
      'x-image-meta-name': 'pending-share',
    });
    await owner.request('PUT', `/v1/images/${image.id}/members/${FRIEND}`);
    const friend = admin.as(member(FRIEND));

    const v1 = await friend.get('/v1/images?name=pending-share');
    const v2 = await friend.get('/v2/images?name=pending-share');
    await friend.request('PUT', `/v2/images/${image.id}/members/${FRIEND}`, {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'accepted' }),
    });
    const accepted = await friend.get('/v2/images?name=pending-share');

    expect(v1.json.images).toHaveLength(1);
    expect(v2.json.images).toHaveLength(0);
    expect(accepted.json.images).toHaveLength(1);
  });

  it('shows a v2 member in v1 without can_share', async () => {
    const id = await createV2Image(owner, { name: 'shared-v2' });
    await postV2(owner, `/v2/images/${id}/members`, { member: FRIEND });

    const members = await owner.get(`/v1/images/${id}/members`);

    expect(members.json.members).toEqual([
      { member_id: FRIEND, can_share: false },
    ]);
  });

  it('makes a private image shared when v1 adds a member', async () => {
    const id = await createV2Image(owner, {
      name: 'was-private',
      visibility: 'private',
    });

    const res = await owner.request(
      'PUT',
      `/v1/images/${id}/members/${FRIEND}`,
    );
    const shown = await owner.get(`/v2/images/${id}`);
    const v2Members = await owner.get(`/v2/images/${id}/members`);

    expect(res.status).toBe(204);
    expect(shown.json.visibility).toBe('shared');
    expect(
      v2Members.json.members.map(
        (item: { member_id: string }) => item.member_id,
      ),
    ).toEqual([FRIEND]);
  });

  it('drops v1 memberships when v2 deletes the image', async () => {
    const image = await owner.createImage({
      'x-image-meta-name': 'deleted-by-v2',
    });
    const project = `project-gone-${Date.now()}`;
    await owner.request('PUT', `/v1/images/${image.id}/members/${project}`);

    await owner.delete(`/v2/images/${image.id}`);
    const shared = await admin.get(`/v1/shared-images/${project}`);

    expect(shared.json.shared_images).toEqual([]);
  });
});
