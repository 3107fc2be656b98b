import { InvalidInput, Task, TaskListQuery, TaskRepository, TaskStatus, TaskType } from '@iris/domain';
import { Brackets, DataSource, In, LessThanOrEqual } from 'typeorm';
import { TaskRow } from '../entities/task.entity';
import { WriteLock } from './write-lock';

function parseJson(text: string | null): Record<string, unknown> | null {
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    type: row.type as TaskType,
    status: row.status as TaskStatus,
    input: parseJson(row.input),
    result: parseJson(row.result),
    owner: row.owner,
    message: row.message,
    imageId: row.imageId,
    requestId: row.requestId,
    userId: row.userId,
    expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt),
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}

function toRow(task: Task): TaskRow {
  return Object.assign(new TaskRow(), {
    id: task.id,
    type: task.type,
    status: task.status,
    owner: task.owner,
    input: task.input === null ? null : JSON.stringify(task.input),
    result: task.result === null ? null : JSON.stringify(task.result),
    message: task.message,
    imageId: task.imageId,
    requestId: task.requestId,
    userId: task.userId,
    expiresAt: task.expiresAt,
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
    deleted: false,
  });
}

/** Entity properties of the task sort keys. */
const PROPERTIES: Record<TaskListQuery['sortKey'], keyof TaskRow> = {
  created_at: 'createdAt',
  expires_at: 'expiresAt',
  status: 'status',
  type: 'type',
  updated_at: 'updatedAt',
  id: 'id',
};

function isExpired(task: Task, now: Date): boolean {
  return task.expiresAt !== null && task.expiresAt.getTime() <= now.getTime();
}

/**
 * Builds the condition for the rows after the marker in `(column, id)` order.
 * SQLite and MySQL both sort NULL before any value in ascending order, so
 * NULLs come first when ascending and last when descending.
 */
function afterMarker(column: keyof TaskRow, direction: 'ASC' | 'DESC', marker: TaskRow): Brackets {
  const after = direction === 'ASC' ? '>' : '<';
  const value = marker[column];
  const parameters = { markerValue: value, markerId: marker.id };
  return new Brackets((where) => {
    if (value === null) {
      where.where(`(t.${column} IS NULL AND t.id ${after} :markerId)`, parameters);
      if (direction === 'ASC') where.orWhere(`t.${column} IS NOT NULL`);
      return;
    }
    where
      .where(`t.${column} ${after} :markerValue`, parameters)
      .orWhere(`(t.${column} = :markerValue AND t.id ${after} :markerId)`, parameters);
    if (direction === 'DESC') where.orWhere(`t.${column} IS NULL`);
  });
}

/** Implements TaskRepository on the tasks table. */
export class TypeOrmTaskRepository implements TaskRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lock: WriteLock,
  ) {}

  async add(task: Task): Promise<void> {
    await this.lock.run(() => this.dataSource.manager.insert(TaskRow, toRow(task)));
  }

  async findById(id: string, now: Date): Promise<Task | null> {
    const row = await this.dataSource.manager.findOneBy(TaskRow, { id, deleted: false });
    if (row === null) return null;
    const task = toTask(row);
    return isExpired(task, now) ? null : task;
  }

  async update(task: Task, expectedStatus: TaskStatus): Promise<boolean> {
    const { id: _id, createdAt: _created, deleted: _deleted, ...fields } = toRow(task);
    const result = await this.lock.run(() =>
      this.dataSource.manager.update(TaskRow, { id: task.id, status: expectedStatus, deleted: false }, fields),
    );
    return (result.affected ?? 0) > 0;
  }

  async listByImage(imageId: string, now: Date): Promise<Task[]> {
    const rows = await this.dataSource.manager.find(TaskRow, {
      where: { imageId, deleted: false },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return rows.map(toTask).filter((task) => !isExpired(task, now));
  }

  async list(query: TaskListQuery, now: Date): Promise<Task[]> {
    const column = PROPERTIES[query.sortKey];
    const direction = query.sortDirection === 'asc' ? 'ASC' : 'DESC';
    const builder = this.dataSource.manager
      .createQueryBuilder(TaskRow, 't')
      .where('t.deleted = :deleted', { deleted: false })
      .andWhere(new Brackets((where) => where.where('t.expiresAt IS NULL').orWhere('t.expiresAt > :now', { now })));
    if (query.owner !== null) builder.andWhere('t.owner = :owner', { owner: query.owner });
    if (query.status !== null) builder.andWhere('t.status = :status', { status: query.status });
    if (query.type !== null) builder.andWhere('t.type = :type', { type: query.type });
    if (query.marker !== null) {
      const marker = await this.dataSource.manager.findOneBy(TaskRow, { id: query.marker, deleted: false });
      if (marker === null || isExpired(toTask(marker), now)) {
        throw new InvalidInput('task_marker_not_found', { marker: query.marker });
      }
      builder.andWhere(afterMarker(column, direction, marker));
    }
    const rows = await builder
      .orderBy(`t.${column}`, direction)
      .addOrderBy('t.id', direction)
      .limit(query.limit)
      .getMany();
    return rows.map(toTask);
  }

  async deleteExpired(owner: string | null, now: Date): Promise<void> {
    const where = { deleted: false, expiresAt: LessThanOrEqual(now), ...(owner === null ? {} : { owner }) };
    await this.lock.run(() => this.dataSource.manager.update(TaskRow, where, { deleted: true }));
  }

  async listByStatus(statuses: readonly TaskStatus[]): Promise<Task[]> {
    const rows = await this.dataSource.manager.find(TaskRow, {
      where: { status: In([...statuses]), deleted: false },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return rows.map(toTask);
  }
}
