import { InvalidInput } from '../errors';
import { ListViewer } from '../ports/image-repository.port';
import {
  ImageListQuery,
  PagingSettings,
  parseIsoTime,
  QueryParameters,
  SORT_KEYS,
  SortDirection,
  SortKey,
} from './image-list-query';
import { isV1Uuid } from './v1-image-metadata';
import { RequestContext } from './request-context';
import { setOwnValue } from './own-property';

/** A v1 listing as the repository runs it: the query and whose view it takes. */
export interface V1ListRequest {
  query: ImageListQuery;
  viewer: ListViewer;
}

const SORT_DIRECTIONS: readonly SortDirection[] = ['asc', 'desc'];
const EXACT_COLUMNS = [
  'name',
  'status',
  'container_format',
  'disk_format',
] as const;
const PROPERTY_PREFIX = 'property-';

function last(params: QueryParameters, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function badFilter(filter: string, value: string): InvalidInput {
  return new InvalidInput('v1_invalid_filter_value', { filter, value });
}

/** Python's int() on a query value: optional sign, digits, nothing else. */
function parseInteger(filter: string, value: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw badFilter(filter, value);
  const number = Number(value);
  if (number < 0) throw badFilter(filter, value);
  return number;
}

/** Parses a boolean filter value as Glance v1 does: true, false, 1, 0 or none, in any case. */
function parseBooleanFilter(filter: string, value: string): boolean | null {
  const text = value.toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  if (text === 'none') return null;
  throw badFilter(filter, value);
}

/**
 * Parses the query string of `GET /v1/images` and `/v1/images/detail` as
 * Glance Queens reads it. v1 lists shared images whatever the member
 * status. Only an administrator's is_public changes the listing: absent or
 * true lists like a regular user (own, public and shared images), false
 * lists every image that is not public, and none lists every image.
 */
export function parseV1ListQuery(
  params: QueryParameters,
  ctx: RequestContext,
  paging: PagingSettings,
): V1ListRequest {
  const query: ImageListQuery = {
    limit: paging.defaultLimit,
    marker: null,
    sort: [],
    columns: {},
    visibility: null,
    memberStatus: 'all',
    owner: null,
    tags: [],
    protected: null,
    osHidden: false,
    ranges: [],
    times: [],
    checksum: null,
    osHashValue: null,
    properties: {},
  };
  // Glance checks the filter values first, then the paging parameters.
  addFilters(query, params);
  const isPublic = last(params, 'is_public');
  const scope =
    isPublic === undefined ? true : parseBooleanFilter('is_public', isPublic);
  query.limit = parseLimit(last(params, 'limit'), paging);
  query.marker = parseMarker(last(params, 'marker'));
  query.sort = parseSort(last(params, 'sort_key'), last(params, 'sort_dir'));

  if (!ctx.isAdmin || scope === true) {
    return { query, viewer: { isAdmin: false, projectId: ctx.projectId } };
  }
  query.visibility = 'all';
  if (scope === false) query.excludedVisibility = 'public';
  return { query, viewer: { isAdmin: true, projectId: ctx.projectId } };
}

function addFilters(query: ImageListQuery, params: QueryParameters): void {
  for (const key of EXACT_COLUMNS) {
    const value = last(params, key);
    if (value !== undefined) query.columns[key] = [value];
  }
  const sizeMin = last(params, 'size_min');
  const sizeMax = last(params, 'size_max');
  if (sizeMin !== undefined || sizeMax !== undefined) {
    query.ranges.push({
      key: 'size',
      min: sizeMin === undefined ? null : parseInteger('size_min', sizeMin),
      max: sizeMax === undefined ? null : parseInteger('size_max', sizeMax),
    });
  }
  // v1 compares min_ram and min_disk for equality, unlike v2's ranges.
  for (const key of ['min_ram', 'min_disk'] as const) {
    const value = last(params, key);
    if (value === undefined) continue;
    const number = parseInteger(key, value);
    query.ranges.push({ key, min: number, max: number });
  }
  addProtectedFilter(query, last(params, 'protected'));
  addChangesSince(query, last(params, 'changes-since'));

  for (const key of Object.keys(params)) {
    const value = last(params, key);
    if (key.startsWith(PROPERTY_PREFIX) && value !== undefined) {
      setOwnValue(query.properties, key.slice(PROPERTY_PREFIX.length), value);
    }
  }
}

function addProtectedFilter(
  query: ImageListQuery,
  value: string | undefined,
): void {
  if (value === undefined) return;
  const parsed = parseBooleanFilter('protected', value);
  if (parsed === null) throw new InvalidInput('v1_protected_filter_invalid');
  query.protected = parsed;
}

/**
 * NOTE: Glance also lists the deleted images changed since that time. Iris
 * cannot read deleted images, so it lists only the ones that still exist.
 */
function addChangesSince(
  query: ImageListQuery,
  value: string | undefined,
): void {
  if (value === undefined) return;
  const time = parseIsoTime(value);
  if (time === null) {
    throw new InvalidInput('v1_changes_since_invalid', { value });
  }
  query.times.push({ key: 'updated_at', operator: 'gt', value: time });
}

function parseLimit(value: string | undefined, paging: PagingSettings): number {
  if (value === undefined) return paging.defaultLimit;
  if (!/^\s*[+-]?\d+\s*$/.test(value)) {
    throw new InvalidInput('v1_limit_not_integer', { value });
  }
  const limit = Number(value);
  if (limit < 0) throw new InvalidInput('v1_limit_negative', { value });
  return Math.min(limit, paging.maxLimit);
}

function parseMarker(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  if (!isV1Uuid(value)) {
    throw new InvalidInput('v1_invalid_marker', { marker: value });
  }
  return value;
}

/**
 * Builds the sort: the one key, then created_at and id in its direction,
 * so that pages are stable.
 */
function parseSort(
  key: string | undefined,
  direction: string | undefined,
): ImageListQuery['sort'] {
  const sortKey = key ?? 'created_at';
  const sortDirection = direction ?? 'desc';
  if (!(SORT_KEYS as readonly string[]).includes(sortKey)) {
    throw new InvalidInput('v1_invalid_sort_key', {
      key: sortKey,
      keys: SORT_KEYS.join(', '),
    });
  }
  if (!(SORT_DIRECTIONS as readonly string[]).includes(sortDirection)) {
    throw new InvalidInput('v1_invalid_sort_dir', {
      direction: sortDirection,
      directions: SORT_DIRECTIONS.join(', '),
    });
  }

  const sort = [
    { key: sortKey as SortKey, direction: sortDirection as SortDirection },
  ];
  for (const tiebreaker of ['created_at', 'id'] as const) {
    if (sortKey !== tiebreaker) {
      sort.push({ key: tiebreaker, direction: sortDirection as SortDirection });
    }
  }
  return sort;
}
