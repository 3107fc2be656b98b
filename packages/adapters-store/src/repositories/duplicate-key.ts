const DUPLICATE_KEY_CODES = new Set(['SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE', 'ER_DUP_ENTRY']);

/**
 * Tells whether an error from a query, or the driver error it wraps
 * (TypeORM's `driverError`), is a primary or unique key violation:
 * SQLITE_CONSTRAINT_PRIMARYKEY or SQLITE_CONSTRAINT_UNIQUE from
 * better-sqlite3, ER_DUP_ENTRY from mysql2.
 */
export function isDuplicateKey(error: unknown): boolean {
  const { code, driverError } = (error ?? {}) as { code?: unknown; driverError?: { code?: unknown } };
  return DUPLICATE_KEY_CODES.has(String(code)) || DUPLICATE_KEY_CODES.has(String(driverError?.code));
}
