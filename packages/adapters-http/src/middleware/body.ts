import { Request } from 'express';
import { InvalidInput } from '@iris/domain';
import { HttpError } from '../errors/http-error';

/** Largest JSON request body read into memory. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

async function readRaw(req: Request): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY_BYTES) throw new HttpError(413, 'body_too_large', { limit: MAX_JSON_BODY_BYTES });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Tells whether a parsed JSON value has a string or key with an unpaired surrogate. */
function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  return Object.entries(value).some(([key, item]) => LONE_SURROGATE.test(key) || hasLoneSurrogate(item));
}

/**
 * Reads and parses a JSON body whatever its Content-Type, as Glance does.
 * A body that is empty, not UTF-8, not JSON, or a bare scalar is a 400, and
 * so is a string with an unpaired surrogate.
 */
export async function readJsonBody(req: Request): Promise<unknown> {
  const raw = await readRaw(req);
  if (raw.length === 0) throw new HttpError(400, 'body_expected');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new HttpError(400, 'malformed_json');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'malformed_json');
  }
  // JSON may escape half of a surrogate pair (\ud83d), which no UTF-8 text
  // holds, so the database would store a replacement character instead.
  if (SURROGATE_ESCAPE.test(text) && hasLoneSurrogate(value)) throw new HttpError(400, 'malformed_json');
  if (typeof value !== 'object' || value === null) throw new InvalidInput('body_not_object');
  return value;
}

/** Refuses a body on routes that take none (GET, DELETE and friends). */
export function rejectBody(req: Request): void {
  const length = Number(req.get('content-length') ?? '0');
  if (length > 0 || req.get('transfer-encoding') !== undefined) {
    throw new HttpError(400, 'body_not_expected');
  }
}

export function mediaType(req: Request): string | undefined {
  return req.get('content-type')?.split(';')[0].trim().toLowerCase();
}
