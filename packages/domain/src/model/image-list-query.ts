import { InvalidInput } from '../errors';
import { Visibility, VISIBILITIES } from './image';
import { MemberStatus } from './member';
import { setOwnValue } from './own-property';

export const SORT_KEYS = [
  'name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = 'asc' | 'desc';

export type ColumnFilterKey = 'id' | 'name' | 'status' | 'container_format' | 'disk_format';
export type RangeKey = 'size' | 'virtual_size' | 'min_ram' | 'min_disk';
export type TimeKey = 'created_at' | 'updated_at';
export type TimeOperator = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export interface ImageListQuery {
  limit: number;
  marker: string | null;
  sort: { key: SortKey; direction: SortDirection }[];
  /** Exact values (one, or several with `in:`) per column. */
  columns: Partial<Record<ColumnFilterKey, string[]>>;
  visibility: Visibility | 'all' | null;
  /** Images with this visibility are left out (the v1 API's is_public=false). */
  excludedVisibility?: Visibility;
  memberStatus: MemberStatus | 'all';
  owner: string | null;
  tags: string[];
  protected: boolean | null;
  osHidden: boolean;
  /** Inclusive bounds; `exact` marks an equality filter, kept apart from `_min`/`_max` ones. */
  ranges: { key: RangeKey; min: number | null; max: number | null; exact?: boolean }[];
  times: { key: TimeKey; operator: TimeOperator; value: Date }[];
  checksum: string | null;
  osHashValue: string | null;
  properties: Record<string, string>;
}

export interface PagingSettings {
  defaultLimit: number;
  maxLimit: number;
}

export type QueryParameters = Record<string, string | string[] | undefined>;

const COLUMN_KEYS: readonly ColumnFilterKey[] = [
  'id', 'name', 'status', 'container_format', 'disk_format',
];
const RANGE_KEYS: readonly RangeKey[] = ['size', 'virtual_size', 'min_ram', 'min_disk'];
const TIME_OPERATORS: readonly TimeOperator[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];
const MEMBER_FILTER_VALUES = ['pending', 'accepted', 'rejected', 'all'] as const;
const PAGING_KEYS = ['limit', 'marker', 'sort', 'sort_key', 'sort_dir'];

function all(params: QueryParameters, key: string): string[] {
  const value = params[key];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function last(params: QueryParameters, key: string): string | undefined {
  const values = all(params, key);
  return values[values.length - 1];
}

function invalid(parameter: string, value: string): InvalidInput {
  return new InvalidInput('invalid_query_parameter', { parameter, value });
}

/** Parses the query string of `GET /v2/images` as Glance reads it. */
export function parseImageListQuery(params: QueryParameters, paging: PagingSettings): ImageListQuery {
  const query: ImageListQuery = {
    limit: parseLimit(last(params, 'limit'), paging),
    marker: last(params, 'marker') ?? null,
    sort: parseSort(params),
    columns: {},
    visibility: parseVisibility(last(params, 'visibility')),
    memberStatus: parseMemberStatus(last(params, 'member_status')),
    owner: last(params, 'owner') ?? null,
    tags: all(params, 'tag'),
    protected: parseBoolean('protected', last(params, 'protected')),
    osHidden: parseBoolean('os_hidden', last(params, 'os_hidden'), true) ?? false,
    ranges: [],
    times: [],
    checksum: last(params, 'checksum') ?? null,
    osHashValue: last(params, 'os_hash_value') ?? null,
    properties: {},
  };

  const handled = new Set([
    ...PAGING_KEYS, 'visibility', 'member_status', 'owner', 'tag', 'protected', 'os_hidden',
    'checksum', 'os_hash_value',
  ]);
  for (const key of Object.keys(params)) {
    if (handled.has(key)) continue;
    const value = last(params, key);
    if (value === undefined) continue;
    addFilter(query, key, value);
  }
  return query;
}

function addFilter(query: ImageListQuery, key: string, value: string): void {
  if (key === 'changes-since') {
    throw new InvalidInput('changes_since_unsupported');
  }
  if ((COLUMN_KEYS as readonly string[]).includes(key)) {
    query.columns[key as ColumnFilterKey] = parseColumnValues(key, value);
    return;
  }
  if (key === 'created_at' || key === 'updated_at') {
    query.times.push(parseTimeFilter(key, value));
    return;
  }
  if ((RANGE_KEYS as readonly string[]).includes(key)) {
    addExactNumber(query, key as RangeKey, value);
    return;
  }
  const range = /^(.*)_(min|max)$/.exec(key);
  if (range !== null && (RANGE_KEYS as readonly string[]).includes(range[1])) {
    addRange(query, range[1] as RangeKey, range[2] as 'min' | 'max', value);
    return;
  }
  setOwnValue(query.properties, key, value);
}

function parseLimit(value: string | undefined, paging: PagingSettings): number {
  if (value === undefined) return paging.defaultLimit;
  if (!/^\d+$/.test(value)) throw new InvalidInput('invalid_limit', { value });
  return Math.min(Number(value), paging.maxLimit);
}

function parseSort(params: QueryParameters): ImageListQuery['sort'] {
  const sort = last(params, 'sort');
  const keys = all(params, 'sort_key');
  const dirs = all(params, 'sort_dir');

  if (sort !== undefined) {
    if (keys.length > 0 || dirs.length > 0) throw new InvalidInput('sort_mixed_syntax');
    const items = sort.split(',').map(parseSortItem);
    return withTiebreakers(items, items.length === 1 ? items[0].direction : 'desc');
  }
  const sortKeys = (keys.length > 0 ? keys : ['created_at']).map(checkSortKey);
  dirs.forEach(checkSortDirection);
  if (dirs.length > 1 && dirs.length !== sortKeys.length) {
    throw new InvalidInput('sort_dir_count_mismatch');
  }
  const fallback = (dirs.length === 1 ? dirs[0] : 'desc') as SortDirection;
  const items = sortKeys.map((key, i) => ({
    key,
    direction: (dirs.length > 1 ? dirs[i] : fallback) as SortDirection,
  }));
  return withTiebreakers(items, fallback);
}

function parseSortItem(item: string): { key: SortKey; direction: SortDirection } {
  const [key, direction = 'desc', ...rest] = item.trim().split(':');
  if (rest.length > 0) throw invalid('sort', item);
  return { key: checkSortKey(key), direction: checkSortDirection(direction) };
}

function checkSortKey(key: string): SortKey {
  if (!(SORT_KEYS as readonly string[]).includes(key)) {
    throw new InvalidInput('invalid_sort_key', { key });
  }
  return key as SortKey;
}

function checkSortDirection(direction: string): SortDirection {
  if (direction !== 'asc' && direction !== 'desc') {
    throw new InvalidInput('invalid_sort_dir', { direction });
  }
  return direction;
}

/** Glance always orders by created_at and then id last, so that pages are stable. */
function withTiebreakers(
  items: ImageListQuery['sort'],
  direction: SortDirection,
): ImageListQuery['sort'] {
  // The tiebreakers follow the one direction given, else they sort descending.
  const result = [...items];
  for (const key of ['created_at', 'id'] as const) {
    if (!result.some((item) => item.key === key)) result.push({ key, direction });
  }
  return result;
}

function parseVisibility(value: string | undefined): ImageListQuery['visibility'] {
  if (value === undefined) return null;
  if (value === 'all' || (VISIBILITIES as readonly string[]).includes(value)) {
    return value as Visibility | 'all';
  }
  throw invalid('visibility', value);
}

function parseMemberStatus(value: string | undefined): ImageListQuery['memberStatus'] {
  if (value === undefined) return 'accepted';
  if ((MEMBER_FILTER_VALUES as readonly string[]).includes(value)) {
    return value as ImageListQuery['memberStatus'];
  }
  throw invalid('member_status', value);
}

/** Glance takes `protected` in lower case only, but `os_hidden` in any case. */
function parseBoolean(parameter: string, value: string | undefined, anyCase = false): boolean | null {
  if (value === undefined) return null;
  const text = anyCase ? value.toLowerCase() : value;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw invalid(parameter, value);
}

/** Splits `op:value`, except where the whole value is an ISO 8601 time. */
function splitOperator(value: string): [string, string] {
  const colon = value.indexOf(':');
  if (colon < 0 || parseIsoTime(value) !== null) return ['eq', value];
  return [value.slice(0, colon), value.slice(colon + 1)];
}

function parseColumnValues(key: string, value: string): string[] {
  const [operator, operand] = splitOperator(value);
  if (operator === 'eq') return [operand];
  if (operator !== 'in') throw new InvalidInput('invalid_filter_operator', { operator, key });

  // Glance does not reject an unknown status in the list, which matches no image.
  return splitQuotedList(key, operand);
}

/** Splits `a,"b,c",d`; a quote must open and close a whole element. */
function splitQuotedList(key: string, text: string): string[] {
  const values: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0 || (end + 1 < text.length && text[end + 1] !== ',')) throw invalid(key, text);
      values.push(text.slice(i + 1, end));
      i = end + 2;
      continue;
    }
    const comma = text.indexOf(',', i);
    const end = comma < 0 ? text.length : comma;
    const item = text.slice(i, end);
    if (item.includes('"')) throw invalid(key, text);
    values.push(item);
    i = end + 1;
  }
  return values;
}

function parseTimeFilter(key: TimeKey, value: string): ImageListQuery['times'][number] {
  const [operator, operand] = splitOperator(value);
  if (!(TIME_OPERATORS as readonly string[]).includes(operator)) {
    throw new InvalidInput('invalid_filter_operator', { operator, key });
  }
  const time = parseIsoTime(operand);
  if (time === null) throw invalid(key, value);
  return { key, operator: operator as TimeOperator, value: time };
}

const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses an ISO 8601 time; one without a zone is taken as UTC. */
export function parseIsoTime(text: string): Date | null {
  if (!ISO_TIME.test(text)) return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text) && text.includes('T');
  const time = new Date(hasZone ? text : `${text.includes('T') ? text : `${text}T00:00:00`}Z`);
  return Number.isNaN(time.getTime()) ? null : time;
}

/**
 * Filters a numeric column on one value, as Glance does for `min_ram=3`.
 * A value that is not a whole number matches no image, as in Glance.
 */
function addExactNumber(query: ImageListQuery, key: RangeKey, value: string): void {
  const number = /^\d+$/.test(value) ? Number(value) : -1;
  query.ranges.push({ key, min: number, max: number, exact: true });
}

function addRange(query: ImageListQuery, key: RangeKey, bound: 'min' | 'max', value: string): void {
  if (!/^\d+$/.test(value)) throw invalid(`${key}_${bound}`, value);
  let range = query.ranges.find((item) => item.key === key && item.exact !== true);
  if (range === undefined) {
    range = { key, min: null, max: null };
    query.ranges.push(range);
  }
  range[bound] = Number(value);
}
