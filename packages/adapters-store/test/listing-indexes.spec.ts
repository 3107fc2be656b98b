import { ListViewer, parseImageListQuery, QueryParameters } from '@iris/domain';
import { optimizeQueryPlans } from '../src';
import { listSql } from '../src/repositories/image-list-sql';
import { RowReader } from '../src/repositories/row-reader';
import { openTestDatabase, TestDatabase } from './database';

const IMAGE_COUNT = 100_000;
const ROWS_PER_INSERT = 500;

interface PlanRow {
  detail: string;
}

const admin: ListViewer = { isAdmin: true, projectId: null };
const member: ListViewer = { isAdmin: false, projectId: 'project-7' };

/** Inserts the images with multi-row INSERTs in one transaction. */
async function seed(db: TestDatabase): Promise<void> {
  await db.dataSource.transaction(async (manager) => {
    for (let start = 0; start < IMAGE_COUNT; start += ROWS_PER_INSERT) {
      const values: string[] = [];
      const params: unknown[] = [];
      for (let n = start; n < start + ROWS_PER_INSERT; n++) {
        const created = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
        values.push("(?, ?, 'active', ?, 0, 0, ?, ?, ?, 0, '[]')");
        params.push(`image-${n}`, `name-${n % 997}`, n % 3 === 0 ? 'public' : 'shared', `project-${n % 50}`, created, created);
      }
      await manager.query(
        'INSERT INTO images (id, name, status, visibility, protected, os_hidden, owner, ' +
          `created_at, updated_at, deleted, locations) VALUES ${values.join(', ')}`,
        params,
      );
    }
    // Every 5th image gets a tag and a property, so that the planner's
    // statistics show tables too large to scan.
    await manager.query(
      "INSERT INTO image_tags (image_id, value) SELECT id, 'tag-' || (rowid % 100) FROM images WHERE rowid % 5 = 0",
    );
    await manager.query(
      'INSERT INTO image_properties (image_id, name, value) ' +
        "SELECT id, 'os_distro', 'distro-' || (rowid % 100) FROM images WHERE rowid % 5 = 0",
    );
  });
  await optimizeQueryPlans(db.dataSource, true);
}

/** Returns the SQLite query plan of the listing that the repository would run. */
async function planOf(db: TestDatabase, params: QueryParameters, viewer: ListViewer): Promise<string[]> {
  const query = parseImageListQuery(params, { defaultLimit: 25, maxLimit: 1000 });
  const sql = listSql('sqlite', query, viewer, null);
  const reader = new RowReader(db.dataSource);
  const parameters = sql.params.map((value) => reader.bind(value));
  const rows = (await db.dataSource.query(`EXPLAIN QUERY PLAN ${sql.text}`, parameters)) as PlanRow[];
  return rows.map((row) => row.detail);
}

describe('listing indexes on SQLite with 100,000 images', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase('sqlite');
    await seed(db);
  });

  afterAll(async () => {
    await db.drop();
  });

  it.each([
    ['default listing as admin', {}, admin, 'ix_images_deleted_created'],
    ['default listing as member', {}, member, 'ix_images_deleted_created'],
    ['name sort as admin', { sort_key: 'name', sort_dir: 'asc' }, admin, 'ix_images_deleted_name_created'],
    ['name sort as member', { sort: 'name:desc' }, member, 'ix_images_deleted_name_created'],
    ['tag filter', { tag: 'tag-5' }, member, null],
    ['property filter', { os_distro: 'distro-5' }, admin, null],
    ['status filter with name sort', { status: 'active', sort: 'name:asc' }, admin, 'ix_images_deleted_name_created'],
  ] as const)('%s uses an index', async (_name, params, viewer, index) => {
    const plan = await planOf(db, params, viewer);

    expect(plan.filter((step) => /^SCAN /.test(step))).toEqual([]);
    expect(plan.filter((step) => step.includes('TEMP B-TREE'))).toEqual([]);
    if (index !== null) {
      expect(plan).toContain(`SEARCH i USING INDEX ${index} (deleted=?)`);
    }
  });

  it('seeds every image', async () => {
    const [{ count }] = (await db.dataSource.query('SELECT COUNT(*) AS count FROM images')) as { count: number }[];

    expect(count).toBe(IMAGE_COUNT);
  });
});
