import { Task, TaskStatus } from '../model/task';
import { TaskListQuery } from '../model/task-list-query';

/** Persistence of tasks. Expired tasks are soft-deleted and no read returns them. */
export interface TaskRepository {
  add(task: Task): Promise<void>;

  /** Returns the task unless it is missing, deleted or expired at `now`. */
  findById(id: string, now: Date): Promise<Task | null>;

  /** Writes the task only while its stored status is `expectedStatus`; returns whether it did. */
  update(task: Task, expectedStatus: TaskStatus): Promise<boolean>;

  /** Returns the unexpired tasks of an image, oldest first. */
  listByImage(imageId: string, now: Date): Promise<Task[]>;

  /**
   * Returns one page of unexpired tasks in the query's order; throws
   * InvalidInput when the marker is not such a task.
   */
  list(query: TaskListQuery, now: Date): Promise<Task[]>;

  /** Soft-deletes the tasks that expired at `now`, of one owner or (null) of all. */
  deleteExpired(owner: string | null, now: Date): Promise<void>;

  /** Returns every task in one of the statuses, of all owners. */
  listByStatus(statuses: readonly TaskStatus[]): Promise<Task[]>;
}

export const TaskRepository = Symbol('TaskRepository');
