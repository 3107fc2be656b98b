import { ServiceUnavailable } from '@iris/domain';

/**
 * Error codes of mysql2, Node.js sockets and SQLite that mean the database
 * cannot serve the call now, while the call itself may be fine.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  // Another process wrote since this transaction's snapshot; a retry succeeds.
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_LOCKED',
]);

/** Messages without a code: mysql2's pool after end(), and TypeORM before initialize. */
const UNAVAILABLE_MESSAGES = [/^Pool is closed/, /Connection is not established/];

/**
 * Returns the driver code when the error, or one it wraps (TypeORM's
 * `driverError`, a `cause`), shows that the database is unavailable.
 */
export function unavailableCode(error: unknown): string | null {
  // typeof, not instanceof: errors from Node.js internals may come from
  // another realm (as under jest), where instanceof Object is false.
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 4; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return code;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) {
      return 'CONNECTION_CLOSED';
    }
    const next = current as { driverError?: unknown; cause?: unknown };
    current = next.driverError ?? next.cause;
  }
  return null;
}

/** Called once for each call that failed because the database is unavailable. */
export type UnavailableListener = (details: { method: string; code: string; error: unknown }) => void;

/**
 * Wraps a repository so that every method which fails because the database
 * is unavailable throws the domain's ServiceUnavailable instead (503 at the
 * HTTP edge), with the driver error as its cause. Other errors pass through.
 * A Proxy covers every method of every repository port, so a method added
 * later is covered too.
 */
export function withUnavailableErrors<T extends object>(repository: T, onUnavailable: UnavailableListener): T {
  return new Proxy(repository, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const method = String(property);
      return async (...args: unknown[]) => {
        try {
          return await (value as (...params: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          const code = unavailableCode(error);
          if (code === null) throw error;
          onUnavailable({ method, code, error });
          throw new ServiceUnavailable('database_unavailable', {}, { cause: error });
        }
      };
    },
  });
}
