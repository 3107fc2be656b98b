import { InvalidInput } from '../errors';
import { PagingSettings, QueryParameters } from './image-list-query';
import { isTaskStatus, TaskStatus } from './task';

export const TASK_SORT_KEYS = ['created_at', 'expires_at', 'status', 'type', 'updated_at', 'id'] as const;
export type TaskSortKey = (typeof TASK_SORT_KEYS)[number];

export interface TaskListQuery {
  limit: number;
  marker: string | null;
  sortKey: TaskSortKey;
  sortDirection: 'asc' | 'desc';
  status: TaskStatus | null;
  type: 'import' | null;
  /** Only tasks of this owner; null lists every owner's (administrators). */
  owner: string | null;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function single(params: QueryParameters, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function invalid(parameter: string, value: string): InvalidInput {
  return new InvalidInput('invalid_query_parameter', { parameter, value });
}

/** Parses the query of GET /v2/tasks as Glance's tasks API checks it. */
export function parseTaskListQuery(
  params: QueryParameters,
  paging: PagingSettings,
  owner: string | null,
): TaskListQuery {
  const limitText = single(params, 'limit');
  let limit = paging.defaultLimit;
  if (limitText !== undefined) {
    if (!/^\d+$/.test(limitText)) throw new InvalidInput('invalid_limit', { value: limitText });
    limit = Math.min(Number(limitText), paging.maxLimit);
  }

  const marker = single(params, 'marker') ?? null;
  if (marker !== null && !UUID.test(marker)) throw invalid('marker', marker);

  const sortKey = single(params, 'sort_key') ?? 'created_at';
  if (!(TASK_SORT_KEYS as readonly string[]).includes(sortKey)) throw invalid('sort_key', sortKey);
  const sortDirection = single(params, 'sort_dir') ?? 'desc';
  if (sortDirection !== 'asc' && sortDirection !== 'desc') throw invalid('sort_dir', sortDirection);

  const status = single(params, 'status') ?? null;
  if (status !== null && !isTaskStatus(status)) throw invalid('status', status);
  const type = single(params, 'type') ?? null;
  if (type !== null && type !== 'import') throw invalid('type', type);

  return {
    limit,
    marker,
    sortKey: sortKey as TaskSortKey,
    sortDirection,
    status: status as TaskStatus | null,
    type: type as 'import' | null,
    owner,
  };
}
