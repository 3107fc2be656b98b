import { ServiceUnavailable } from '@iris/domain';
import { QueryFailedError } from 'typeorm';
import { unavailableCode, withUnavailableErrors } from '../src';

function driverError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('unavailableCode', () => {
  it.each(['ECONNREFUSED', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ETIMEDOUT'])(
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
