import {
  member,
  reader,
  startV1Server,
  V1Client,
  V1TestServer,
} from './v1-helpers';

let server: V1TestServer;
let admin: V1Client;

const OWNER = 'project-owner';
const FRIEND = 'project-friend';
const OTHER = 'project-other';

let owner: V1Client;
let friend: V1Client;
let other: V1Client;

beforeAll(async () => {
  server = await startV1Server({ IRIS_IMAGE_MEMBER_QUOTA: '3' });
  admin = new V1Client(server.url);
  owner = admin.as(member(OWNER));
  friend = admin.as(member(FRIEND));
  other = admin.as(member(OTHER));
});

afterAll(async () => {
  await server.close();
});

async function ownedImage(): Promise<string> {
  return (await owner.createImage({ 'x-image-meta-name': 'shared-one' })).id;
}

async function membersOf(client: V1Client, id: string): Promise<unknown[]> {
  const res = await client.get(`/v1/images/${id}/members`);
  if (res.status !== 200) {
    throw new Error(`GET members returned ${res.status}: ${res.text}`);
  }
  return res.json.members;
}

describe('PUT /v1/images/{id}/members/{member}', () => {
  it('adds a member without a body', async () => {
    const id = await ownedImage();

    const res = await owner.request(
      'PUT',
      `/v1/images/${id}/members/${FRIEND}`,
    );

    expect(res.status).toBe(204);
    expect(res.body.length).toBe(0);
    expect(await membersOf(owner, id)).toEqual([
      { member_id: FRIEND, can_share: false },
    ]);
  });

  it('sets can_share, and keeps it when the body leaves it out', async () => {
    const id = await ownedImage();

    await owner.putJson(`/v1/images/${id}/members/${FRIEND}`, {
      member: { can_share: true },
    });
    const again = await owner.request(
      'PUT',
      `/v1/images/${id}/members/${FRIEND}`,
    );

    expect(again.status).toBe(204);
    expect(await membersOf(owner, id)).toEqual([
      { member_id: FRIEND, can_share: true },
    ]);
  });

  it('turns can_share off', async () => {
    const id = await ownedImage();
    await owner.putJson(`/v1/images/${id}/members/${FRIEND}`, {
      member: { can_share: true },
    });

    await owner.putJson(`/v1/images/${id}/members/${FRIEND}`, {
      member: { can_share: false },
    });

    expect(await membersOf(owner, id)).toEqual([
      { member_id: FRIEND, can_share: false },
    ]);
  });

  it('lets a member with can_share add another', async () => {
    const id = await ownedImage();
    await owner.putJson(`/v1/images/${id}/members/${FRIEND}`, {
      member: { can_share: true },
    });

    const res = await friend.request(
      'PUT',
      `/v1/images/${id}/members/${OTHER}`,
    );

    expect(res.status).toBe(204);
    expect(await membersOf(owner, id)).toHaveLength(2);
  });

  it('hides the image from a member without can_share', async () => {
    const id = await ownedImage();
    await owner.request('PUT', `/v1/images/${id}/members/${FRIEND}`);

    const res = await friend.request(
      'PUT',
      `/v1/images/${id}/members/${OTHER}`,
    );

    expect(res.status).toBe(404);
    expect(res.text).toContain('No permission to share that image');
  });

  it('refuses a reader of the owning project', async () => {
    const id = await ownedImage();

    const res = await admin
      .as(reader(OWNER))
      .request('PUT', `/v1/images/${id}/members/${FRIEND}`);

    expect(res.status).toBe(404);
  });

  it('returns 404 for an image the caller cannot see', async () => {
    const id = await ownedImage();

    const res = await other.request('PUT', `/v1/images/${id}/members/${OTHER}`);

    expect(res.status).toBe(404);
  });

  it('requires a project', async () => {
    const id = await ownedImage();

    const res = await admin
      .as({ 'X-Roles': 'member' })
      .request('PUT', `/v1/images/${id}/members/${FRIEND}`);

    expect(res.status).toBe(401);
    expect(res.text).toContain('No authenticated user');
  });

  it('enforces the member quota', async () => {
    const id = await ownedImage();
    for (const project of ['p1', 'p2', 'p3']) {
      expect(
        (await owner.request('PUT', `/v1/images/${id}/members/${project}`))
          .status,
      ).toBe(204);
    }

    const res = await owner.request('PUT', `/v1/images/${id}/members/p4`);

    expect(res.status).toBe(413);
  });

  it('rejects malformed JSON', async () => {
    const id = await ownedImage();

    const res = await owner.request(
      'PUT',
      `/v1/images/${id}/members/${FRIEND}`,
      {
        headers: { 'Content-Type': 'application/json' },
        body: '{"member":',
      },
    );

    expect(res.status).toBe(400);
  });
});

describe('PUT /v1/images/{id}/members', () => {
  it('replaces the member list', async () => {
    const id = await ownedImage();
    await owner.putJson(`/v1/images/${id}/members/${FRIEND}`, {
      member: { can_share: true },
    });
    await owner.request('PUT', `/v1/images/${id}/members/${OTHER}`);

    const res = await owner.putJson(`/v1/images/${id}/members`, {
      memberships: [
        { member_id: FRIEND },
        { member_id: 'project-new', can_share: true },
      ],
    });

    expect(res.status).toBe(204);
    expect(await membersOf(owner, id)).toEqual([
      { member_id: FRIEND, can_share: true },
      { member_id: 'project-new', can_share: true },
    ]);
  });

  it('empties the list', async () => {
    const id = await ownedImage();
    await owner.request('PUT', `/v1/images/${id}/members/${FRIEND}`);

    const res = await owner.putJson(`/v1/images/${id}/members`, {
      memberships: [],
    });

    expect(res.status).toBe(204);
    expect(await membersOf(owner, id)).toEqual([]);
  });

  it.each([
    [{}, "'memberships' is missing"],
    [{ memberships: { member_id: FRIEND } }, "'memberships' is not a list"],
    [{ memberships: [{ can_share: true }] }, "an entry has no 'member_id'"],
  ])('rejects %j', async (body, reason) => {
    const id = await ownedImage();

    const res = await owner.putJson(`/v1/images/${id}/members`, body);

    expect(res.status).toBe(400);
    expect(res.text).toContain(`Invalid membership association: ${reason}`);
  });

  it('enforces the member quota', async () => {
    const id = await ownedImage();
    const memberships = ['p1', 'p2', 'p3', 'p4'].map((project) => ({
      member_id: project,
    }));

    const res = await owner.putJson(`/v1/images/${id}/members`, {
      memberships,
    });

    expect(res.status).toBe(413);
  });
});

describe('GET /v1/images/{id}/members', () => {
  it('shows a member only its own entry', async () => {
    const id = await ownedImage();
    await owner.putJson(`/v1/images/${id}/members`, {
      memberships: [{ member_id: FRIEND }, { member_id: OTHER }],
    });

    expect(await membersOf(friend, id)).toEqual([
      { member_id: FRIEND, can_share: false },
    ]);
    expect(await membersOf(owner, id)).toHaveLength(2);
    expect(await membersOf(admin, id)).toHaveLength(2);
  });

  it('returns 404 for a stranger', async () => {
    const id = await ownedImage();

    const res = await admin
      .as(member('project-stranger'))
      .get(`/v1/images/${id}/members`);

    expect(res.status).toBe(404);
  });

  it('refuses HEAD and POST', async () => {
    const id = await ownedImage();

    const head = await owner.head(`/v1/images/${id}/members`);
    const post = await owner.request('POST', `/v1/images/${id}/members`);

    expect(head.status).toBe(405);
    expect(head.headers.allow).toBe('GET, PUT');
    expect(post.status).toBe(405);
  });
});

describe('GET and DELETE /v1/images/{id}/members/{member}', () => {
  it('answers GET with 405 and no Allow header', async () => {
    const id = await ownedImage();
    await owner.request('PUT', `/v1/images/${id}/members/${FRIEND}`);

    const res = await owner.get(`/v1/images/${id}/members/${FRIEND}`);

    expect(res.status).toBe(405);
    expect(res.headers.allow).toBeUndefined();
  });

  it('removes a member', async () => {
    const id = await ownedImage();
    await owner.request('PUT', `/v1/images/${id}/members/${FRIEND}`);

    const res = await owner.delete(`/v1/images/${id}/members/${FRIEND}`);

    expect(res.status).toBe(204);
    expect(await membersOf(owner, id)).toEqual([]);
  });

  it('returns 404 for a project that is no member', async () => {
    const id = await ownedImage();

    const res = await owner.delete(`/v1/images/${id}/members/${FRIEND}`);

    expect(res.status).toBe(404);
    expect(res.text).toContain('Membership could not be found.');
  });

  it('refuses a member without can_share', async () => {
    const id = await ownedImage();
    await owner.request('PUT', `/v1/images/${id}/members/${FRIEND}`);

    const res = await friend.delete(`/v1/images/${id}/members/${FRIEND}`);

    expect(res.status).toBe(404);
    expect(await membersOf(owner, id)).toHaveLength(1);
  });
});

describe('GET /v1/shared-images/{member}', () => {
  it('lists the memberships of a project', async () => {
    const first = await ownedImage();
    const second = await ownedImage();
    const project = `project-shared-${Date.now()}`;
    await owner.request('PUT', `/v1/images/${first}/members/${project}`);
    await owner.putJson(`/v1/images/${second}/members/${project}`, {
      member: { can_share: true },
    });

    const res = await admin
      .as(member(project))
      .get(`/v1/shared-images/${project}`);

    expect(res.status).toBe(200);
    expect(res.json.shared_images).toHaveLength(2);
    expect(res.json.shared_images).toEqual(
      expect.arrayContaining([
        { image_id: first, can_share: false },
        { image_id: second, can_share: true },
      ]),
    );
  });

  it('limits another project to its own images', async () => {
    const mine = await ownedImage();
    const theirs = (await other.createImage({})).id;
    const project = `project-target-${Date.now()}`;
    await owner.request('PUT', `/v1/images/${mine}/members/${project}`);
    await other.request('PUT', `/v1/images/${theirs}/members/${project}`);

    const res = await owner.get(`/v1/shared-images/${project}`);

    expect(res.json.shared_images).toEqual([
      { image_id: mine, can_share: false },
    ]);
  });
});
