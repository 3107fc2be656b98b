import {
  Conflict,
  Image,
  ImageListQuery,
  InvalidInput,
  parseImageListQuery,
  parseTaskListQuery,
  QueryParameters,
  Task,
  TaskListQuery,
} from '@iris/domain';
import { isSqlite, TypeOrmImageRepository, TypeOrmMemberRepository, TypeOrmTaskRepository, WriteLock } from '../src';
import { openTestDatabase, TestDatabase, testDatabaseKinds } from './database';

const OWNER = 'project-a';
const OTHER = 'project-b';
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

let counter = 0;

function image(fields: Partial<Image> = {}): Image {
  counter += 1;
  const id = `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
  return {
    id,
    name: `image-${String(counter).padStart(3, '0')}`,
    status: 'queued',
    visibility: 'shared',
    protected: false,
    osHidden: false,
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    owner: OWNER,
    size: null,
    virtualSize: null,
    containerFormat: 'bare',
    diskFormat: 'raw',
    minRam: 0,
    minDisk: 0,
    createdAt: new Date(T0 + counter * 1000),
    updatedAt: new Date(T0 + counter * 1000),
    tags: [],
    properties: {},
    locations: [],
    ...fields,
  };
}

function query(params: QueryParameters = {}): ImageListQuery {
  return parseImageListQuery(params, { defaultLimit: 25, maxLimit: 1000 });
}

/** Builds a task whose times carry milliseconds, as the system clock gives them. */
function task(fields: Partial<Task> = {}): Task {
  counter += 1;
  const at = new Date(T0 + counter * 1000 + 123);
  return {
    id: `10000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    type: 'api_image_import',
    status: 'pending',
    input: null,
    result: null,
    owner: OWNER,
    message: '',
    imageId: null,
    requestId: null,
    userId: null,
    expiresAt: null,
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}

function taskQuery(params: QueryParameters = {}, taskOwner: string | null = null): TaskListQuery {
  return parseTaskListQuery(params, { defaultLimit: 25, maxLimit: 1000 }, taskOwner);
}

const admin = { isAdmin: true, projectId: null };
const owner = { isAdmin: false, projectId: OWNER };
const other = { isAdmin: false, projectId: OTHER };

describe.each(testDatabaseKinds())('repositories on %s', (kind) => {
  let db: TestDatabase;
  let images: TypeOrmImageRepository;
  let members: TypeOrmMemberRepository;
  let tasks: TypeOrmTaskRepository;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    const lock = new WriteLock(isSqlite(db.dataSource));
    images = new TypeOrmImageRepository(db.dataSource, lock);
    members = new TypeOrmMemberRepository(db.dataSource, lock);
    tasks = new TypeOrmTaskRepository(db.dataSource, lock);
  });

  afterAll(async () => {
    await db.drop();
  });

  beforeEach(async () => {
    await db.dataSource.query('DELETE FROM image_tags');
    await db.dataSource.query('DELETE FROM image_properties');
    await db.dataSource.query('DELETE FROM image_members');
    await db.dataSource.query('DELETE FROM images');
    await db.dataSource.query('DELETE FROM tasks');
  });

  describe('images', () => {
    it('round-trips every field', async () => {
      const stored = image({
        name: 'ünïcode name',
        status: 'active',
        visibility: 'public',
        protected: true,
        osHidden: true,
        checksum: 'd41d8cd98f00b204e9800998ecf8427e',
        osHashAlgo: 'sha512',
        osHashValue: 'ab'.repeat(64),
        size: 5_000_000_000,
        virtualSize: 10_737_418_240,
        minRam: 512,
        minDisk: 2,
        tags: ['one', 'two'],
        properties: { os_distro: 'debian', kernel_id: null },
        locations: [{ url: 'file:///x/y', metadata: { store: 'file' } }],
      });
      await images.add(stored);

      const found = await images.findById(stored.id);

      expect(found).toEqual({ ...stored, tags: expect.arrayContaining(['one', 'two']), revision: 0 });
      expect(found?.tags).toHaveLength(2);
    });

    it('round-trips special characters in tags and properties', async () => {
      const text = ['quote"d', 'back\\slash', 'ünïcode ✓', 'tab\tand\nline', '{"looks":"like json"}', '[1]'];
      const stored = image({
        tags: text,
        properties: Object.fromEntries(text.map((value, i) => [`key ${value}`, i % 2 === 0 ? value : null])),
      });
      await images.add(stored);

      const found = await images.findById(stored.id);
      const [listed] = await images.list(query({ id: stored.id }), admin);

      expect([...(found?.tags ?? [])].sort()).toEqual([...text].sort());
      expect(found?.properties).toEqual(stored.properties);
      expect(listed.properties).toEqual(stored.properties);
      expect([...listed.tags].sort()).toEqual([...text].sort());
    });

    it('rejects a reused id', async () => {
      const first = image();
      await images.add(first);
      await expect(images.add({ ...first, name: 'again' })).rejects.toBeInstanceOf(Conflict);
    });

    it('concurrent adds fail one by one', async () => {
      const existing = image();
      await images.add(existing);
      const fresh = [image({ tags: ['a'] }), image({ properties: { k: 'v' } }), image()];

      // Started in one turn of the event loop, so that they may share a commit.
      const results = await Promise.allSettled([
        images.add(fresh[0]),
        images.add({ ...existing, name: 'again', tags: ['lost'] }),
        images.add(fresh[1]),
        images.add(fresh[1]),
        images.add(fresh[2]),
      ]);

      expect([results[0], results[4]].map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(Conflict);
      // On MariaDB the two adds of one id race on separate connections, so either may win.
      const sameId = [results[2], results[3]];
      expect(sameId.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      const loser = sameId.find((result) => result.status === 'rejected') as PromiseRejectedResult;
      expect(loser.reason).toBeInstanceOf(Conflict);
      expect(await images.findById(existing.id)).toEqual({ ...existing, revision: 0 });
      expect((await images.findById(fresh[0].id))?.tags).toEqual(['a']);
      expect((await images.findById(fresh[1].id))?.properties).toEqual({ k: 'v' });
      expect(await images.findById(fresh[2].id)).not.toBeNull();
    });

    it('rejects an id of a deleted image', async () => {
      const first = image();
      await images.add(first);
      await images.markDeleted(first.id, 'queued', new Date(T0));
      await expect(images.add(first)).rejects.toBeInstanceOf(Conflict);
    });

    it('returns null for a missing id', async () => {
      expect(await images.findById('00000000-0000-4000-8000-999999999999')).toBeNull();
    });

    it('hides deleted images', async () => {
      const stored = image();
      await images.add(stored);

      expect(await images.markDeleted(stored.id, 'queued', new Date(T0))).toBe(true);
      expect(await images.findById(stored.id)).toBeNull();
      expect(await images.list(query(), admin)).toEqual([]);
    });

    it('deletes only from the expected status', async () => {
      const stored = image({ status: 'active' });
      await images.add(stored);
      expect(await images.markDeleted(stored.id, 'queued', new Date(T0))).toBe(false);
      expect(await images.findById(stored.id)).not.toBeNull();
    });

    it('updates only from the expected status', async () => {
      const stored = image();
      await images.add(stored);
      const saving = { ...stored, status: 'saving' as const };

      expect(await images.update(saving, { status: 'queued' })).toBe(true);
      expect(await images.update({ ...stored, status: 'saving' }, { status: 'queued' })).toBe(false);
      expect((await images.findById(stored.id))?.status).toBe('saving');
    });

    it('updates only from the expected time', async () => {
      const stored = image();
      await images.add(stored);
      const later = new Date(stored.updatedAt.getTime() + 5000);

      const first = await images.update({ ...stored, name: 'first', updatedAt: later }, {
        status: 'queued',
        updatedAt: stored.updatedAt,
      });
      const second = await images.update({ ...stored, name: 'second', updatedAt: later }, {
        status: 'queued',
        updatedAt: stored.updatedAt,
      });

      expect(first).toBe(true);
      expect(second).toBe(false);
      expect((await images.findById(stored.id))?.name).toBe('first');
    });

    it('increments the revision on update', async () => {
      const stored = image();
      await images.add(stored);

      expect(await images.update({ ...stored, name: 'a' }, { status: 'queued', revision: 0 })).toBe(true);
      expect(await images.update({ ...stored, name: 'b' }, { status: 'queued', revision: 1 })).toBe(true);
      expect((await images.findById(stored.id))?.revision).toBe(2);
    });

    it('updates only from the expected revision', async () => {
      const stored = image();
      await images.add(stored);
      const read = (await images.findById(stored.id)) as Image;

      // Both writers read revision 0 and write within the same second, which
      // an updated_at condition cannot tell apart.
      const [first, second] = await Promise.all([
        images.update({ ...read, name: 'first' }, { status: 'queued', revision: read.revision }),
        images.update({ ...read, name: 'second' }, { status: 'queued', revision: read.revision }),
      ]);

      expect([first, second].filter(Boolean)).toHaveLength(1);
      const found = await images.findById(stored.id);
      expect(found?.name).toBe(first ? 'first' : 'second');
      expect(found?.revision).toBe(1);
    });

    it('ignores a stale revision in the image', async () => {
      const stored = image({ revision: 7 });
      await images.add(stored);

      expect(await images.update({ ...stored, revision: 41 }, { status: 'queued', revision: 7 })).toBe(true);
      expect((await images.findById(stored.id))?.revision).toBe(8);
    });

    it('lists images by status', async () => {
      const first = image({ status: 'saving' });
      const second = image({ status: 'saving', tags: ['t'] });
      const deleted = image({ status: 'saving' });
      await images.add(second);
      await images.add(first);
      await images.add(deleted);
      await images.add(image({ status: 'active' }));
      await images.markDeleted(deleted.id, 'saving', new Date(T0));

      const saving = await images.listByStatus('saving');

      expect(saving.map((item) => item.id)).toEqual([first.id, second.id]);
      expect(saving[1].tags).toEqual(['t']);
    });

    it('replaces tags and properties on update', async () => {
      const stored = image({ tags: ['a', 'b'], properties: { x: '1', y: '2' } });
      await images.add(stored);

      await images.update({ ...stored, tags: ['c'], properties: { y: '3' } }, { status: 'queued' });

      const found = await images.findById(stored.id);
      expect(found?.tags).toEqual(['c']);
      expect(found?.properties).toEqual({ y: '3' });
    });
  });

  describe('listing', () => {
    it('pages through every image once', async () => {
      const all = Array.from({ length: 7 }, () => image({ visibility: 'public' }));
      for (const item of all) await images.add(item);

      const seen: string[] = [];
      let marker: string | undefined;
      for (let page = 0; page < 10; page++) {
        const params: QueryParameters = { limit: '3', ...(marker ? { marker } : {}) };
        const result = await images.list(query(params), owner);
        seen.push(...result.map((item) => item.id));
        if (result.length < 3) break;
        marker = result[result.length - 1].id;
      }

      expect(seen).toEqual(all.map((item) => item.id).reverse());
    });

    it('pages by name with null names', async () => {
      const names = ['b', null, 'a', null, 'c', 'a'];
      for (const name of names) await images.add(image({ name }));

      for (const direction of ['asc', 'desc']) {
        const seen: (string | null)[] = [];
        let marker: string | undefined;
        for (let page = 0; page < 10; page++) {
          const params: QueryParameters = { limit: '2', sort: `name:${direction}`, ...(marker ? { marker } : {}) };
          const result = await images.list(query(params), admin);
          seen.push(...result.map((item) => item.name));
          if (result.length < 2) break;
          marker = result[result.length - 1].id;
        }
        const expected = direction === 'asc' ? [null, null, 'a', 'a', 'b', 'c'] : ['c', 'b', 'a', 'a', null, null];
        expect(seen).toEqual(expected);
      }
    });

    it('rejects an unknown marker', async () => {
      await expect(
        images.list(query({ marker: '00000000-0000-4000-8000-999999999999' }), admin),
      ).rejects.toBeInstanceOf(InvalidInput);
    });

    it('applies the visibility rules', async () => {
      const mine = image({ visibility: 'private' });
      const shared = image({ visibility: 'shared', owner: OTHER });
      const sharedPending = image({ visibility: 'shared', owner: OTHER });
      const community = image({ visibility: 'community', owner: OTHER });
      const publicImage = image({ visibility: 'public', owner: OTHER });
      const foreignPrivate = image({ visibility: 'private', owner: OTHER });
      for (const item of [mine, shared, sharedPending, community, publicImage, foreignPrivate]) {
        await images.add(item);
      }
      const now = new Date(T0);
      await members.add({ imageId: shared.id, memberId: OWNER, status: 'accepted', createdAt: now, updatedAt: now });
      await members.add({ imageId: sharedPending.id, memberId: OWNER, status: 'pending', createdAt: now, updatedAt: now });

      const ids = async (params: QueryParameters, viewer = owner): Promise<string[]> =>
        (await images.list(query(params), viewer)).map((item) => item.id).sort();

      expect(await ids({})).toEqual([mine.id, shared.id, publicImage.id].sort());
      expect(await ids({ member_status: 'pending' })).toEqual([mine.id, sharedPending.id, publicImage.id].sort());
      expect(await ids({ member_status: 'all' })).toEqual(
        [mine.id, shared.id, sharedPending.id, publicImage.id].sort(),
      );
      expect(await ids({ visibility: 'community' })).toEqual([community.id]);
      expect(await ids({ visibility: 'all' })).toEqual([mine.id, shared.id, community.id, publicImage.id].sort());
      expect(await ids({}, admin)).toEqual(
        [mine.id, shared.id, sharedPending.id, publicImage.id, foreignPrivate.id].sort(),
      );
      expect(await ids({ visibility: 'all' }, admin)).toHaveLength(6);
      expect(await ids({}, other)).toEqual(
        [shared.id, sharedPending.id, community.id, publicImage.id, foreignPrivate.id].sort(),
      );
    });

    it('filters on columns, tags and properties', async () => {
      const a = image({ name: 'alpha', status: 'active', size: 100, tags: ['x', 'y'], properties: { os: 'linux' } });
      const b = image({ name: 'beta', status: 'active', size: 200, tags: ['x'], properties: { os: 'bsd' } });
      const c = image({ name: 'gamma', size: 300, protected: true, osHidden: true });
      for (const item of [a, b, c]) await images.add(item);

      const names = async (params: QueryParameters): Promise<(string | null)[]> =>
        (await images.list(query({ sort: 'name:asc', ...params }), admin)).map((item) => item.name);

      expect(await names({ name: 'in:alpha,gamma' })).toEqual(['alpha']);
      expect(await names({ status: 'active' })).toEqual(['alpha', 'beta']);
      expect(await names({ tag: ['x', 'y'] })).toEqual(['alpha']);
      expect(await names({ tag: 'x' })).toEqual(['alpha', 'beta']);
      expect(await names({ os: 'bsd' })).toEqual(['beta']);
      expect(await names({ size_min: '150' })).toEqual(['beta']);
      expect(await names({ size_max: '150' })).toEqual(['alpha']);
      expect(await names({ os_hidden: 'true' })).toEqual(['gamma']);
      expect(await names({ os_hidden: 'true', protected: 'false' })).toEqual([]);
      expect(await names({ owner: OTHER })).toEqual([]);
    });

    it('filters on creation time', async () => {
      const early = image();
      const late = image();
      await images.add(early);
      await images.add(late);
      const boundary = late.createdAt.toISOString();

      const ids = async (value: string): Promise<string[]> =>
        (await images.list(query({ created_at: value }), admin)).map((item) => item.id);

      expect(await ids(`lt:${boundary}`)).toEqual([early.id]);
      expect(await ids(`gte:${boundary}`)).toEqual([late.id]);
      expect(await ids(`eq:${boundary}`)).toEqual([late.id]);
      expect(await ids(`neq:${boundary}`)).toEqual([early.id]);
    });

    it('leaves out killed images', async () => {
      await images.add(image({ status: 'killed' }));
      expect(await images.list(query(), admin)).toEqual([]);
    });
  });

  describe('members', () => {
    it('adds, lists, updates and removes', async () => {
      const shared = image();
      await images.add(shared);
      const now = new Date(T0);

      await members.add({ imageId: shared.id, memberId: OTHER, status: 'pending', createdAt: now, updatedAt: now });
      await expect(
        members.add({ imageId: shared.id, memberId: OTHER, status: 'pending', createdAt: now, updatedAt: now }),
      ).rejects.toBeInstanceOf(Conflict);
      expect(await members.updateStatus(shared.id, OTHER, 'accepted', new Date(T0 + 1000))).toBe(true);

      const found = await members.find(shared.id, OTHER);
      expect(found).toEqual({
        imageId: shared.id,
        memberId: OTHER,
        status: 'accepted',
        createdAt: now,
        updatedAt: new Date(T0 + 1000),
      });
      expect(await members.listByImage(shared.id)).toHaveLength(1);
      expect(await members.remove(shared.id, OTHER)).toBe(true);
      expect(await members.remove(shared.id, OTHER)).toBe(false);
      expect(await members.find(shared.id, OTHER)).toBeNull();
    });

    it('removes every member of an image', async () => {
      const shared = image();
      await images.add(shared);
      const now = new Date(T0);
      for (const member of ['p1', 'p2', 'p3']) {
        await members.add({ imageId: shared.id, memberId: member, status: 'pending', createdAt: now, updatedAt: now });
      }

      await members.removeAll(shared.id);

      expect(await members.listByImage(shared.id)).toEqual([]);
    });
  });
  describe('tasks', () => {
    const NOW = new Date(T0 + 1_000_000);

    async function pageIds(params: QueryParameters, limit: number): Promise<string[]> {
      const seen: string[] = [];
      let marker: string | undefined;
      for (let page = 0; page < 20; page++) {
        const result = await tasks.list(taskQuery({ ...params, limit: String(limit), ...(marker ? { marker } : {}) }), NOW);
        seen.push(...result.map((item) => item.id));
        if (result.length < limit) break;
        marker = result[result.length - 1].id;
      }
      return seen;
    }

    it('round-trips every field', async () => {
      const stored = task({
        type: 'import',
        status: 'success',
        input: { import_from: 'http://127.0.0.1/ïmage.qcow2', nested: { list: [1, 'two', null], flag: true } },
        result: { image_id: '00000000-0000-4000-8000-000000000001', sizes: [5_000_000_000] },
        message: 'Import finished: ünïcode ✓',
        imageId: '00000000-0000-4000-8000-000000000001',
        requestId: 'req-0123456789abcdef0123456789abcdef',
        userId: 'user-a',
        expiresAt: new Date(NOW.getTime() + 172_800_456),
      });
      await tasks.add(stored);

      expect(await tasks.findById(stored.id, NOW)).toEqual(stored);
    });

    it('round-trips null fields', async () => {
      const stored = task({ owner: null });
      await tasks.add(stored);

      expect(await tasks.findById(stored.id, NOW)).toEqual(stored);
    });

    it('stores a large JSON input', async () => {
      const stored = task({ input: { properties: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`key_${i}`, 'v'.repeat(40)])) } });
      await tasks.add(stored);

      expect((await tasks.findById(stored.id, NOW))?.input).toEqual(stored.input);
    });

    it('rejects a reused id', async () => {
      const stored = task();
      await tasks.add(stored);

      await expect(tasks.add({ ...stored, message: 'again' })).rejects.toThrow();
    });

    it('returns null for a missing id', async () => {
      expect(await tasks.findById('10000000-0000-4000-8000-999999999999', NOW)).toBeNull();
    });

    it('hides a task once expired', async () => {
      const stored = task({ status: 'failure', expiresAt: new Date(NOW.getTime() + 250) });
      await tasks.add(stored);

      expect(await tasks.findById(stored.id, new Date(NOW.getTime() + 249))).toEqual(stored);
      expect(await tasks.findById(stored.id, new Date(NOW.getTime() + 250))).toBeNull();
    });

    it('updates only from the expected status', async () => {
      const stored = task();
      await tasks.add(stored);
      const processing: Task = {
        ...stored,
        status: 'processing',
        message: 'Copying',
        result: { progress: 50 },
        updatedAt: new Date(stored.updatedAt.getTime() + 1_001),
      };
      const finished: Task = {
        ...processing,
        status: 'success',
        message: '',
        result: { image_id: 'x' },
        expiresAt: new Date(NOW.getTime() + 5_555),
        updatedAt: new Date(stored.updatedAt.getTime() + 2_002),
      };

      expect(await tasks.update(processing, 'pending')).toBe(true);
      expect(await tasks.update({ ...processing, message: 'stale' }, 'pending')).toBe(false);
      expect(await tasks.findById(stored.id, NOW)).toEqual(processing);
      expect(await tasks.update(finished, 'processing')).toBe(true);
      expect(await tasks.findById(stored.id, NOW)).toEqual(finished);
    });

    it('keeps the creation time on update', async () => {
      const stored = task();
      await tasks.add(stored);

      await tasks.update({ ...stored, createdAt: new Date(0), status: 'failure' }, 'pending');

      expect((await tasks.findById(stored.id, NOW))?.createdAt).toEqual(stored.createdAt);
    });

    it('does not update a missing task', async () => {
      expect(await tasks.update(task(), 'pending')).toBe(false);
    });

    it('lets one of two racing updates win', async () => {
      const stored = task();
      await tasks.add(stored);

      const [first, second] = await Promise.all([
        tasks.update({ ...stored, status: 'processing', message: 'first' }, 'pending'),
        tasks.update({ ...stored, status: 'failure', message: 'second' }, 'pending'),
      ]);

      expect([first, second].filter(Boolean)).toHaveLength(1);
      expect((await tasks.findById(stored.id, NOW))?.message).toBe(first ? 'first' : 'second');
    });

    it('lists image tasks oldest first', async () => {
      const imageId = '00000000-0000-4000-8000-000000000042';
      const second = task({ imageId });
      const first = task({ imageId, createdAt: new Date(second.createdAt.getTime() - 5_000) });
      const expired = task({ imageId, status: 'success', expiresAt: new Date(NOW.getTime() - 1) });
      const later = task({ imageId, status: 'success', expiresAt: new Date(NOW.getTime() + 1) });
      for (const item of [second, expired, later, first, task({ imageId: '00000000-0000-4000-8000-000000000043' })]) {
        await tasks.add(item);
      }

      const found = await tasks.listByImage(imageId, NOW);

      expect(found.map((item) => item.id)).toEqual([first.id, second.id, later.id]);
      expect(found[2]).toEqual(later);
    });

    it('lists newest first by default', async () => {
      const all = [task(), task(), task()];
      for (const item of all) await tasks.add(item);

      const found = await tasks.list(taskQuery(), NOW);

      expect(found.map((item) => item.id)).toEqual(all.map((item) => item.id).reverse());
      expect(found[0]).toEqual(all[2]);
    });

    it('filters on owner, status and type', async () => {
      const mine = task({ status: 'processing', type: 'import' });
      const mineDone = task({ status: 'success', expiresAt: new Date(NOW.getTime() + 10_000) });
      const theirs = task({ owner: OTHER, status: 'processing' });
      const unowned = task({ owner: null, type: 'import' });
      for (const item of [mine, mineDone, theirs, unowned]) await tasks.add(item);

      const ids = async (params: QueryParameters, taskOwner: string | null = null): Promise<string[]> =>
        (await tasks.list(taskQuery({ sort_dir: 'asc', ...params }, taskOwner), NOW)).map((item) => item.id);

      expect(await ids({})).toEqual([mine.id, mineDone.id, theirs.id, unowned.id]);
      expect(await ids({}, OWNER)).toEqual([mine.id, mineDone.id]);
      expect(await ids({}, OTHER)).toEqual([theirs.id]);
      expect(await ids({ status: 'processing' })).toEqual([mine.id, theirs.id]);
      expect(await ids({ status: 'processing' }, OWNER)).toEqual([mine.id]);
      expect(await ids({ type: 'import' })).toEqual([mine.id, unowned.id]);
      expect(await ids({ type: 'import', status: 'success' })).toEqual([]);
    });

    it('leaves out expired and deleted tasks', async () => {
      const live = task({ status: 'success', expiresAt: new Date(NOW.getTime() + 1) });
      const expired = task({ status: 'success', expiresAt: NOW });
      const deleted = task({ status: 'failure', expiresAt: new Date(NOW.getTime() - 1) });
      for (const item of [live, expired, deleted]) await tasks.add(item);
      await tasks.deleteExpired(null, NOW);

      expect((await tasks.list(taskQuery(), NOW)).map((item) => item.id)).toEqual([live.id]);
      await expect(tasks.list(taskQuery({ marker: expired.id }), NOW)).rejects.toBeInstanceOf(InvalidInput);
    });

    it('limits the page size', async () => {
      for (let i = 0; i < 5; i++) await tasks.add(task());

      expect(await tasks.list(taskQuery({ limit: '2' }), NOW)).toHaveLength(2);
      expect(await tasks.list(taskQuery({ limit: '0' }), NOW)).toHaveLength(0);
    });

    it('pages through every sort key once', async () => {
      // Equal values in each column, times that differ only in milliseconds
      // and tasks without an expiry make the marker's tie-breaks matter.
      const base = T0 + 500_000;
      const all = [
        task({ status: 'pending', type: 'import', createdAt: new Date(base + 1), updatedAt: new Date(base + 9) }),
        task({ status: 'processing', createdAt: new Date(base + 2), updatedAt: new Date(base + 9) }),
        task({ status: 'success', createdAt: new Date(base + 2), updatedAt: new Date(base + 8), expiresAt: new Date(NOW.getTime() + 7) }),
        task({ status: 'failure', type: 'import', createdAt: new Date(base + 3), updatedAt: new Date(base + 7), expiresAt: new Date(NOW.getTime() + 5) }),
        task({ status: 'success', createdAt: new Date(base + 4), updatedAt: new Date(base + 6), expiresAt: new Date(NOW.getTime() + 5) }),
        task({ status: 'pending', createdAt: new Date(base + 5), updatedAt: new Date(base + 9) }),
        task({ status: 'processing', type: 'import', createdAt: new Date(base + 5), updatedAt: new Date(base + 5) }),
      ];
      for (const item of all) await tasks.add(item);

      const keys: Record<string, (item: Task) => string | number | null> = {
        created_at: (item) => item.createdAt.getTime(),
        updated_at: (item) => item.updatedAt.getTime(),
        expires_at: (item) => item.expiresAt?.getTime() ?? null,
        status: (item) => item.status,
        type: (item) => item.type,
        id: (item) => item.id,
      };
      for (const [sortKey, value] of Object.entries(keys)) {
        // Both databases sort NULL before any value in ascending order.
        const ascending = [...all].sort((a, b) => {
          const left = value(a);
          const right = value(b);
          if (left !== right) {
            if (left === null) return -1;
            if (right === null) return 1;
            return left < right ? -1 : 1;
          }
          return a.id < b.id ? -1 : 1;
        });
        const expected = ascending.map((item) => item.id);

        expect({ sortKey, ids: await pageIds({ sort_key: sortKey, sort_dir: 'asc' }, 2) }).toEqual({ sortKey, ids: expected });
        expect({ sortKey, ids: await pageIds({ sort_key: sortKey, sort_dir: 'desc' }, 2) }).toEqual({
          sortKey,
          ids: [...expected].reverse(),
        });
      }
    });

    it('rejects an unknown marker', async () => {
      await expect(
        tasks.list(taskQuery({ marker: '10000000-0000-4000-8000-999999999999' }), NOW),
      ).rejects.toBeInstanceOf(InvalidInput);
    });

    it('deletes the expired tasks of one owner', async () => {
      const expired = task({ status: 'success', expiresAt: new Date(NOW.getTime() - 100) });
      const due = task({ status: 'failure', expiresAt: NOW });
      const live = task({ status: 'success', expiresAt: new Date(NOW.getTime() + 100) });
      const running = task({ status: 'processing' });
      const theirs = task({ owner: OTHER, status: 'success', expiresAt: new Date(NOW.getTime() - 100) });
      for (const item of [expired, due, live, running, theirs]) await tasks.add(item);
      const before = new Date(NOW.getTime() - 1_000);

      await tasks.deleteExpired(OWNER, NOW);

      expect(await tasks.findById(expired.id, before)).toBeNull();
      expect(await tasks.findById(due.id, before)).toBeNull();
      expect(await tasks.findById(live.id, NOW)).toEqual(live);
      expect(await tasks.findById(running.id, NOW)).toEqual(running);
      expect(await tasks.findById(theirs.id, before)).toEqual(theirs);
      expect(await tasks.update({ ...expired, message: 'late' }, 'success')).toBe(false);
    });

    it('deletes the expired tasks of all owners', async () => {
      const mine = task({ status: 'success', expiresAt: new Date(NOW.getTime() - 100) });
      const theirs = task({ owner: OTHER, status: 'failure', expiresAt: new Date(NOW.getTime() - 100) });
      const unowned = task({ owner: null, status: 'failure', expiresAt: new Date(NOW.getTime() - 100) });
      const live = task({ owner: OTHER, status: 'success', expiresAt: new Date(NOW.getTime() + 100) });
      for (const item of [mine, theirs, unowned, live]) await tasks.add(item);
      const before = new Date(NOW.getTime() - 1_000);

      await tasks.deleteExpired(null, NOW);

      expect(await tasks.findById(mine.id, before)).toBeNull();
      expect(await tasks.findById(theirs.id, before)).toBeNull();
      expect(await tasks.findById(unowned.id, before)).toBeNull();
      expect(await tasks.findById(live.id, NOW)).toEqual(live);
      expect(await tasks.listByStatus(['success', 'failure'])).toEqual([live]);
    });

    it('lists tasks by status across owners', async () => {
      const second = task({ status: 'processing', owner: OTHER });
      const first = task({ status: 'pending', createdAt: new Date(second.createdAt.getTime() - 1) });
      const done = task({ status: 'success', expiresAt: new Date(NOW.getTime() + 100) });
      const deleted = task({ status: 'pending', expiresAt: new Date(NOW.getTime() - 100) });
      for (const item of [second, first, done, deleted]) await tasks.add(item);
      await tasks.deleteExpired(null, NOW);

      expect(await tasks.listByStatus(['pending', 'processing'])).toEqual([first, second]);
      expect(await tasks.listByStatus(['success'])).toEqual([done]);
      expect(await tasks.listByStatus([])).toEqual([]);
    });
  });
});
