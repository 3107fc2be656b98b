import { InvalidInput } from '../errors';

export const IMPORT_METHODS = ['glance-direct', 'web-download', 'copy-image'] as const;
export type ImportMethod = (typeof IMPORT_METHODS)[number];

/** The body of `POST /v2/images/{id}/import`, checked. */
export interface ImportRequest {
  method: ImportMethod;
  /** The URL of web-download, null for the other methods. */
  uri: string | null;
  /** Target stores named in the body, or null when it names none. */
  stores: string[] | null;
  allStores: boolean;
  allStoresMustSucceed: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalBoolean(body: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = body[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidInput('import_boolean_invalid', { field: key });
  return value;
}

/** Parses an import request body; only the enabled methods are accepted. */
export function parseImportRequest(body: unknown, enabled: readonly string[]): ImportRequest {
  const fields = isRecord(body) ? body : {};
  const method = fields.method;
  if (!isRecord(method)) throw new InvalidInput('import_method_required');
  const name = method.name;
  if (typeof name !== 'string') throw new InvalidInput('import_method_required');
  if (!enabled.includes(name) || !(IMPORT_METHODS as readonly string[]).includes(name)) {
    throw new InvalidInput('import_method_not_enabled', { method: name, methods: enabled.join(', ') });
  }

  let uri: string | null = null;
  if (name === 'web-download') {
    if (typeof method.uri !== 'string' || method.uri === '') throw new InvalidInput('import_uri_required');
    uri = method.uri;
  }

  const stores = fields.stores;
  if (stores !== undefined && !(Array.isArray(stores) && stores.every((s) => typeof s === 'string'))) {
    throw new InvalidInput('import_stores_invalid');
  }
  return {
    method: name as ImportMethod,
    uri,
    stores: stores === undefined ? null : (stores as string[]),
    allStores: optionalBoolean(fields, 'all_stores', false),
    allStoresMustSucceed: optionalBoolean(fields, 'all_stores_must_succeed', true),
  };
}
