import { Conflict } from '../errors';

export const TASK_TYPES = ['import', 'api_image_import', 'location_import'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const TASK_STATUSES = ['pending', 'processing', 'success', 'failure'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Allowed targets from each task status, as Glance's domain enforces them. */
export const TASK_TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  pending: ['processing', 'failure'],
  processing: ['success', 'failure'],
  success: [],
  failure: [],
};

/** An asynchronous operation, such as an image import. */
export interface Task {
  id: string;
  type: TaskType;
  status: TaskStatus;
  input: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  owner: string | null;
  /** Progress or the failure text; empty when there is none. */
  message: string;
  imageId: string | null;
  requestId: string | null;
  userId: string | null;
  /** Null until the task succeeds or fails, then that moment plus the time to live. */
  expiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export function isTaskStatus(value: string): value is TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(value);
}

/**
 * Returns a copy of the task in the new status, or throws Conflict when the
 * task machine does not allow the change. A finished task gets its expiry.
 */
export function withTaskStatus(task: Task, to: TaskStatus, now: Date, timeToLiveMs: number): Task {
  if (!TASK_TRANSITIONS[task.status].includes(to)) {
    throw new Conflict('invalid_task_status_transition', { from: task.status, to });
  }
  const finished = to === 'success' || to === 'failure';
  const expiresAt = finished ? new Date(now.getTime() + timeToLiveMs) : task.expiresAt;
  return { ...task, status: to, updatedAt: now, expiresAt };
}
