import { Image, ImageListQuery, ListViewer, SortKey } from '@iris/domain';
import { selectImagesSql, SqlDialect } from './image-mapper';

/**
 * SQL text with `?` placeholders and the values that fill them, in order.
 * Values are domain values (strings, numbers, booleans, Dates); the
 * repository converts them for its driver when it runs the statement.
 */
export interface Sql {
  text: string;
  params: unknown[];
}

/**
 * Column of each sort key. SQLite and MySQL both sort NULL first when
 * ascending and last when descending, and the marker condition relies on it.
 */
const SORT_COLUMNS: Record<SortKey, { column: string; field: keyof Image }> = {
  name: { column: 'i.name', field: 'name' },
  status: { column: 'i.status', field: 'status' },
  container_format: { column: 'i.container_format', field: 'containerFormat' },
  disk_format: { column: 'i.disk_format', field: 'diskFormat' },
  size: { column: 'i.size', field: 'size' },
  id: { column: 'i.id', field: 'id' },
  created_at: { column: 'i.created_at', field: 'createdAt' },
  updated_at: { column: 'i.updated_at', field: 'updatedAt' },
};

const FILTER_COLUMNS = {
  id: 'i.id',
  name: 'i.name',
  status: 'i.status',
  container_format: 'i.container_format',
  disk_format: 'i.disk_format',
  size: 'i.size',
  virtual_size: 'i.virtual_size',
  min_ram: 'i.min_ram',
  min_disk: 'i.min_disk',
  created_at: 'i.created_at',
  updated_at: 'i.updated_at',
} as const;

const TIME_OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' } as const;

/** Conditions joined by AND (or by OR in a group), with their values in order. */
class Conditions {
  private readonly parts: string[] = [];
  readonly params: unknown[] = [];

  add(text: string, ...params: unknown[]): void {
    this.parts.push(text);
    this.params.push(...params);
  }

  /** Adds the conditions that `build` adds to a new group, joined by OR and parenthesized. */
  anyOf(build: (group: Conditions) => void): void {
    this.group(' OR ', build);
  }

  /** Adds the conditions that `build` adds to a new group, joined by AND and parenthesized. */
  allOf(build: (group: Conditions) => void): void {
    this.group(' AND ', build);
  }

  join(separator: string): string {
    return this.parts.join(separator);
  }

  private group(separator: string, build: (group: Conditions) => void): void {
    const group = new Conditions();
    build(group);
    if (group.parts.length > 0) this.add(`(${group.join(separator)})`, ...group.params);
  }
}

/**
 * Builds the query of a listing page: every filter of the query, the
 * viewer's visibility rules, the rows after the marker (when given) in the
 * sort order, and the page size.
 */
export function listSql(
  dialect: SqlDialect,
  query: ImageListQuery,
  viewer: ListViewer,
  marker: Image | null,
): Sql {
  const where = listConditions(query, viewer);
  if (marker !== null) addMarker(where, query.sort, marker);
  const order = query.sort
    .map((item) => `${SORT_COLUMNS[item.key].column} ${item.direction === 'asc' ? 'ASC' : 'DESC'}`)
    .join(', ');
  const limit = Math.max(0, Math.trunc(query.limit));
  return {
    text: `${selectImagesSql(dialect)} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`,
    params: where.params,
  };
}

/** Builds the query of the marker image, which finds it only when the filters and the viewer's rules list it. */
export function markerSql(dialect: SqlDialect, query: ImageListQuery, viewer: ListViewer, markerId: string): Sql {
  const where = listConditions(query, viewer);
  where.add('i.id = ?', markerId);
  return { text: `${selectImagesSql(dialect)} WHERE ${where.join(' AND ')}`, params: where.params };
}

function listConditions(query: ImageListQuery, viewer: ListViewer): Conditions {
  const where = new Conditions();
  where.add('i.deleted = ?', false);
  where.add("i.status <> 'killed'");
  addVisibility(where, query, viewer);
  if (query.excludedVisibility !== undefined) where.add('i.visibility <> ?', query.excludedVisibility);
  where.add('i.os_hidden = ?', query.osHidden);

  for (const [key, values] of Object.entries(query.columns)) {
    const column = FILTER_COLUMNS[key as keyof typeof FILTER_COLUMNS];
    where.add(`${column} IN (${values.map(() => '?').join(', ')})`, ...values);
  }
  if (query.owner !== null) where.add('i.owner = ?', query.owner);
  if (query.protected !== null) where.add('i.protected = ?', query.protected);
  if (query.checksum !== null) where.add('i.checksum = ?', query.checksum);
  if (query.osHashValue !== null) where.add('i.os_hash_value = ?', query.osHashValue);
  for (const range of query.ranges) {
    const column = FILTER_COLUMNS[range.key];
    if (range.min !== null) where.add(`${column} >= ?`, range.min);
    if (range.max !== null) where.add(`${column} <= ?`, range.max);
  }
  for (const time of query.times) {
    where.add(`${FILTER_COLUMNS[time.key]} ${TIME_OPERATORS[time.operator]} ?`, time.value);
  }
  for (const tag of query.tags) {
    where.add('EXISTS (SELECT 1 FROM image_tags t WHERE t.image_id = i.id AND t.value = ?)', tag);
  }
  for (const [key, value] of Object.entries(query.properties)) {
    where.add(
      'EXISTS (SELECT 1 FROM image_properties p WHERE p.image_id = i.id AND p.name = ? AND p.value = ?)',
      key,
      value,
    );
  }
  return where;
}

/**
 * Applies Glance's listing rules. An admin lists everything but other
 * projects' community images. Anyone else lists its own images, public ones,
 * and shared ones it is a member of with the requested member status.
 * Community images of others appear only when requested.
 */
function addVisibility(where: Conditions, query: ImageListQuery, viewer: ListViewer): void {
  const visibility = query.visibility;
  if (visibility !== null && visibility !== 'all') where.add('i.visibility = ?', visibility);
  if (viewer.isAdmin) {
    if (visibility === null) {
      where.anyOf((any) => {
        any.add("i.visibility <> 'community'");
        if (viewer.projectId !== null) any.add('i.owner = ?', viewer.projectId);
      });
    }
    return;
  }
  where.anyOf((any) => {
    any.add("i.visibility = 'public'");
    if (visibility === 'community' || visibility === 'all') any.add("i.visibility = 'community'");
    if (viewer.projectId === null) return;
    any.add('i.owner = ?', viewer.projectId);
    const memberStatus = query.memberStatus === 'all' ? [] : [query.memberStatus];
    any.add(
      "(i.visibility = 'shared' AND EXISTS (SELECT 1 FROM image_members m " +
        `WHERE m.image_id = i.id AND m.member = ?${memberStatus.length > 0 ? ' AND m.status = ?' : ''}))`,
      viewer.projectId,
      ...memberStatus,
    );
  });
}

/**
 * Keeps only rows after the marker in the sort order (keyset pagination):
 * rows equal to the marker on the first keys and after it on the next one.
 */
function addMarker(where: Conditions, sort: ImageListQuery['sort'], marker: Image): void {
  const values = sort.map((item) => marker[SORT_COLUMNS[item.key].field] as unknown);
  where.anyOf((any) => {
    sort.forEach((item, i) => {
      any.allOf((all) => {
        for (let j = 0; j < i; j++) addEqualTo(all, sort[j].key, values[j]);
        addAfter(all, item.key, item.direction, values[i]);
      });
    });
  });
}

function addEqualTo(where: Conditions, key: SortKey, value: unknown): void {
  const column = SORT_COLUMNS[key].column;
  if (value === null) where.add(`${column} IS NULL`);
  else where.add(`${column} = ?`, value);
}

function addAfter(where: Conditions, key: SortKey, direction: 'asc' | 'desc', value: unknown): void {
  const column = SORT_COLUMNS[key].column;
  if (direction === 'asc') {
    if (value === null) where.add(`${column} IS NOT NULL`);
    else where.add(`${column} > ?`, value);
  } else if (value === null) {
    where.add('1 = 0');
  } else {
    where.add(`(${column} < ? OR ${column} IS NULL)`, value);
  }
}
