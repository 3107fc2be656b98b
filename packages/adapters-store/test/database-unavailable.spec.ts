import { parseTaskListQuery, ServiceUnavailable, Task } from '@iris/domain';
import { DataSource, QueryFailedError } from 'typeorm';
import { TypeOrmTaskRepository, unavailableCode, withUnavailableErrors, WriteLock } from '../src';

function driverError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('unavailableCode', () => {
  it.each(['ECONNREFUSED', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ETIMEDOUT', 'SQLITE_BUSY_SNAPSHOT'])(
    'recognises %s',
    (code) => {
      expect(unavailableCode(driverError(code))).toBe(code);
    },
  );

  it('looks inside QueryFailedError', () => {
    const error = new QueryFailedError('UPDATE images', [], driverError('SQLITE_BUSY', 'database is locked'));

    expect(unavailableCode(error)).toBe('SQLITE_BUSY');
  });

  it('recognises a closed pool', () => {
    expect(unavailableCode(new Error('Pool is closed.'))).toBe('CONNECTION_CLOSED');
  });

  it('ignores other errors', () => {
    expect(unavailableCode(driverError('ER_DUP_ENTRY'))).toBeNull();
    expect(unavailableCode(new Error('boom'))).toBeNull();
    expect(unavailableCode('text')).toBeNull();
  });
});

describe('withUnavailableErrors', () => {
  const failing = {
    async down(): Promise<never> {
      throw driverError('ECONNREFUSED');
    },
    async broken(): Promise<never> {
      throw driverError('ER_PARSE_ERROR');
    },
    async fine(value: number): Promise<number> {
      return value * 2;
    },
  };

  it('turns outages into ServiceUnavailable', async () => {
    const seen: string[] = [];
    const wrapped = withUnavailableErrors(failing, ({ method, code }) => seen.push(`${method} ${code}`));

    const error = await wrapped.down().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ServiceUnavailable);
    expect((error as ServiceUnavailable).key).toBe('database_unavailable');
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(seen).toEqual(['down ECONNREFUSED']);
  });

  it('passes other errors and results through', async () => {
    const wrapped = withUnavailableErrors(failing, () => undefined);

    await expect(wrapped.broken()).rejects.toMatchObject({ code: 'ER_PARSE_ERROR' });
    await expect(wrapped.fine(21)).resolves.toBe(42);
  });
});

describe('wrapped task repository', () => {
  /** A data source whose every manager call fails as mysql2 does while the server is down. */
  const refusing = {
    manager: new Proxy(
      {},
      {
        get: () => () => {
          throw new QueryFailedError('SELECT 1', [], driverError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:3306'));
        },
      },
    ),
  } as unknown as DataSource;
  const now = new Date(Date.UTC(2026, 0, 1));
  const task: Task = {
    id: '10000000-0000-4000-8000-000000000001',
    type: 'api_image_import',
    status: 'pending',
    input: null,
    result: null,
    owner: 'project-a',
    message: '',
    imageId: null,
    requestId: null,
    userId: null,
    expiresAt: null,
    createdAt: now,
    updatedAt: now,
  };

  it('turns an outage in every method into ServiceUnavailable', async () => {
    const seen: string[] = [];
    const tasks = withUnavailableErrors(new TypeOrmTaskRepository(refusing, new WriteLock(false)), ({ method, code }) =>
      seen.push(`${method} ${code}`),
    );
    const calls: Record<string, () => Promise<unknown>> = {
      add: () => tasks.add(task),
      findById: () => tasks.findById(task.id, now),
      update: () => tasks.update(task, 'pending'),
      listByImage: () => tasks.listByImage('00000000-0000-4000-8000-000000000001', now),
      list: () => tasks.list(parseTaskListQuery({}, { defaultLimit: 25, maxLimit: 1000 }, null), now),
      deleteExpired: () => tasks.deleteExpired(null, now),
      listByStatus: () => tasks.listByStatus(['pending']),
    };

    for (const [method, call] of Object.entries(calls)) {
      const error = await call().catch((caught: unknown) => caught);
      expect({ method, error }).toEqual({ method, error: expect.any(ServiceUnavailable) });
      expect((error as Error).cause).toBeInstanceOf(QueryFailedError);
    }
    expect(seen).toEqual(Object.keys(calls).map((method) => `${method} ECONNREFUSED`));
  });
});
