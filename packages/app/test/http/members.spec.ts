import { ApiClient, HttpResponse, projectMember, startTestServer, TestServer } from './helpers';

/** Small on purpose, so that the quota test needs few members. */
const MEMBER_QUOTA = 3;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let server: TestServer;
let admin: ApiClient;
let owner: ApiClient;
let member: ApiClient;
let otherMember: ApiClient;
let stranger: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ IRIS_IMAGE_MEMBER_QUOTA: String(MEMBER_QUOTA) });
  admin = new ApiClient(server.url);
  owner = admin.as(projectMember('share-owner'));
  member = admin.as(projectMember('share-member'));
  otherMember = admin.as(projectMember('share-other'));
  stranger = admin.as(projectMember('share-stranger'));
});

afterAll(async () => {
  await server.close();
});

const JSON_ACCEPT = { Accept: 'application/json' };

async function sharedImage(fields: Record<string, unknown> = {}): Promise<string> {
  return (await owner.createImage({ visibility: 'shared', ...fields })).id;
}

function addMember(id: string, memberId: unknown, client = owner): Promise<HttpResponse> {
  return client.post(`/v2/images/${id}/members`, { member: memberId }, JSON_ACCEPT);
}

function setStatus(
  id: string,
  memberId: string,
  status: unknown,
  client = member,
): Promise<HttpResponse> {
  return client.put(`/v2/images/${id}/members/${memberId}`, { status }, JSON_ACCEPT);
}

/** Creates a shared image with share-member and share-other as pending members. */
async function imageWithMembers(): Promise<string> {
  const id = await sharedImage();
  expect((await addMember(id, 'share-member')).status).toBe(200);
  expect((await addMember(id, 'share-other')).status).toBe(200);
  return id;
}

describe('POST /v2/images/{id}/members', () => {
  it('adds a pending member', async () => {
    const id = await sharedImage();

    const res = await addMember(id, 'share-member');

    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      member_id: 'share-member',
      image_id: id,
      status: 'pending',
      created_at: expect.stringMatching(ISO_TIME),
      updated_at: expect.stringMatching(ISO_TIME),
      schema: '/v2/schemas/member',
    });
  });

  it('duplicate member conflicts', async () => {
    const id = await sharedImage();
    await addMember(id, 'share-member');

    const res = await addMember(id, 'share-member');

    expect(res.status).toBe(409);
    expect(res.json.message).toContain('share-member');
  });

  it('member past quota is 413', async () => {
    const id = await sharedImage();
    for (let i = 0; i < MEMBER_QUOTA; i++) {
      expect((await addMember(id, `quota-${i}`)).status).toBe(200);
    }

    expect((await addMember(id, 'one-too-many')).status).toBe(413);
  });

  it.each([
    ['missing member', {}],
    ['empty member', { member: '' }],
    ['list body', []],
  ])('%s is 400', async (_case, body) => {
    const id = await sharedImage();

    const res = await owner.post(`/v2/images/${id}/members`, body);

    expect(res.status).toBe(400);
  });

  it('member cannot add members', async () => {
    const id = await imageWithMembers();

    expect((await addMember(id, 'share-stranger', member)).status).toBe(403);
  });

  it('admin adds members', async () => {
    const id = await sharedImage();

    expect((await addMember(id, 'share-member', admin)).status).toBe(200);
  });

  it('removed member re-added as pending', async () => {
    const id = await imageWithMembers();
    await setStatus(id, 'share-member', 'accepted');
    await owner.delete(`/v2/images/${id}/members/share-member`);

    const res = await addMember(id, 'share-member');

    expect(res.status).toBe(200);
    expect(res.json.status).toBe('pending');
  });
});

describe('GET /v2/images/{id}/members', () => {
  it('owner sees every member', async () => {
    const id = await imageWithMembers();

    const res = await owner.get(`/v2/images/${id}/members`);

    expect(res.status).toBe(200);
    expect(res.json.schema).toBe('/v2/schemas/members');
    const ids = res.json.members.map((entry: { member_id: string }) => entry.member_id);
    expect(ids.sort()).toEqual(['share-member', 'share-other']);
  });

  it('member sees only its entry', async () => {
    const id = await imageWithMembers();

    const res = await member.get(`/v2/images/${id}/members`);

    expect(res.status).toBe(200);
    expect(res.json.members).toHaveLength(1);
    expect(res.json.members[0].member_id).toBe('share-member');
  });

  it('empty member list', async () => {
    const id = await sharedImage();

    const res = await owner.get(`/v2/images/${id}/members`);

    expect(res.json).toEqual({ members: [], schema: '/v2/schemas/members' });
  });

  it('non-member gets 404', async () => {
    const id = await imageWithMembers();

    expect((await stranger.get(`/v2/images/${id}/members`)).status).toBe(404);
  });
});

describe('GET /v2/images/{id}/members/{member}', () => {
  it('owner shows a member', async () => {
    const id = await imageWithMembers();

    const res = await owner.get(`/v2/images/${id}/members/share-member`);

    expect(res.status).toBe(200);
    expect(res.json.member_id).toBe('share-member');
    expect(res.json.status).toBe('pending');
  });

  it('member shows its own entry', async () => {
    const id = await imageWithMembers();

    expect((await member.get(`/v2/images/${id}/members/share-member`)).status).toBe(200);
  });

  it('member cannot show other entries', async () => {
    const id = await imageWithMembers();

    expect((await member.get(`/v2/images/${id}/members/share-other`)).status).toBe(404);
  });

  it('unknown member is 404', async () => {
    const id = await imageWithMembers();

    expect((await owner.get(`/v2/images/${id}/members/nobody`)).status).toBe(404);
  });
});

describe('PUT /v2/images/{id}/members/{member}', () => {
  it.each(['accepted', 'rejected', 'pending'])('member sets status %s', async (status) => {
    const id = await imageWithMembers();

    const res = await setStatus(id, 'share-member', status);

    expect(res.status).toBe(200);
    expect(res.json.status).toBe(status);
    expect(res.json.member_id).toBe('share-member');
    expect((await owner.get(`/v2/images/${id}/members/share-member`)).json.status).toBe(status);
  });

  it('owner cannot set member status', async () => {
    const id = await imageWithMembers();

    const res = await setStatus(id, 'share-member', 'accepted', owner);

    expect(res.status).toBe(403);
    expect((await owner.get(`/v2/images/${id}/members/share-member`)).json.status).toBe('pending');
  });

  it('member cannot set another status', async () => {
    const id = await imageWithMembers();

    // As in Glance, a member may see only its own membership, so another one is not found.
    expect((await setStatus(id, 'share-other', 'accepted', member)).status).toBe(404);
  });

  it('admin sets member status', async () => {
    const id = await imageWithMembers();

    expect((await setStatus(id, 'share-member', 'accepted', admin)).status).toBe(200);
  });

  it.each([
    ['unknown status', { status: 'bogus' }],
    ['missing status', {}],
  ])('%s is 400', async (_case, body) => {
    const id = await imageWithMembers();

    const res = await member.put(`/v2/images/${id}/members/share-member`, body);

    expect(res.status).toBe(400);
  });

  it('unknown member is 404', async () => {
    const id = await imageWithMembers();

    expect((await setStatus(id, 'nobody', 'accepted', admin)).status).toBe(404);
  });
});

describe('DELETE /v2/images/{id}/members/{member}', () => {
  it('owner removes a member', async () => {
    const id = await imageWithMembers();

    const res = await owner.delete(`/v2/images/${id}/members/share-member`);

    expect(res.status).toBe(204);
    expect((await owner.get(`/v2/images/${id}/members/share-member`)).status).toBe(404);
    expect((await member.get(`/v2/images/${id}`)).status).toBe(404);
  });

  it('member cannot remove itself', async () => {
    const id = await imageWithMembers();

    expect((await member.delete(`/v2/images/${id}/members/share-member`)).status).toBe(403);
  });

  it('unknown member is 404', async () => {
    const id = await imageWithMembers();

    expect((await owner.delete(`/v2/images/${id}/members/nobody`)).status).toBe(404);
  });
});

describe('non-shared images', () => {
  const nonShared = ['private', 'public', 'community'];

  it.each(nonShared)('%s image rejects member calls', async (visibility) => {
    const image = await admin.createImage({ visibility, owner: 'share-owner' });
    const base = `/v2/images/${image.id}/members`;

    expect((await addMember(image.id, 'share-member')).status).toBe(403);
    expect((await owner.get(base)).status).toBe(403);
    expect((await owner.get(`${base}/share-member`)).status).toBe(404);
    expect((await setStatus(image.id, 'share-member', 'accepted', owner)).status).toBe(403);
    expect((await owner.delete(`${base}/share-member`)).status).toBe(403);
  });
});

describe('shared image access', () => {
  it('pending member reads the image', async () => {
    const id = await imageWithMembers();

    expect((await member.get(`/v2/images/${id}`)).status).toBe(200);
    expect((await stranger.get(`/v2/images/${id}`)).status).toBe(404);
  });

  it('rejected member still reads the image', async () => {
    const id = await imageWithMembers();
    await setStatus(id, 'share-member', 'rejected');

    expect((await member.get(`/v2/images/${id}`)).status).toBe(200);
  });

  it('member downloads shared data', async () => {
    const id = await owner.createActiveImage(Buffer.from('shared bytes'), { visibility: 'shared' });
    await addMember(id, 'share-member');

    const res = await member.get(`/v2/images/${id}/file`);

    expect(res.status).toBe(200);
    expect(res.text).toBe('shared bytes');
  });

  it('member cannot modify the image', async () => {
    const id = await imageWithMembers();

    const res = await member.patch(id, [{ op: 'replace', path: '/name', value: 'mine' }]);

    expect(res.status).toBe(403);
  });

  it('accepted image listed for member', async () => {
    const id = await sharedImage({ name: 'listed-share' });
    await addMember(id, 'share-member');
    const listedNames = async (query: string): Promise<string[]> => {
      const images = (await member.get(`/v2/images?${query}`)).json.images;
      return images.map((image: { name: string }) => image.name);
    };

    expect(await listedNames('name=listed-share')).toEqual([]);
    expect(await listedNames('name=listed-share&member_status=pending')).toEqual(['listed-share']);
    expect(await listedNames('name=listed-share&member_status=all')).toEqual(['listed-share']);

    await setStatus(id, 'share-member', 'accepted');

    expect(await listedNames('name=listed-share')).toEqual(['listed-share']);
    expect((await otherMember.get('/v2/images?name=listed-share')).json.images).toEqual([]);
  });
});
