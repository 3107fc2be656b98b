import { InvalidInput, setOwnValue, V1ImageData, V1ImageMetadata } from '@iris/domain';
import { Request } from 'express';
import { mediaType } from '../middleware/body';

const META_PREFIX = 'x-image-meta-';
const PROPERTY_PREFIX = 'x-image-meta-property-';

/** The `x-image-meta-<field>` headers that Glance v1 accepts. Any other one is a 400. */
const META_FIELDS = new Set([
  'location',
  'size',
  'is_public',
  'disk_format',
  'container_format',
  'name',
  'status',
  'copy_from',
  'uri',
  'checksum',
  'created_at',
  'updated_at',
  'deleted_at',
  'min_ram',
  'min_disk',
  'owner',
  'store',
  'id',
  'protected',
  'deleted',
  'virtual_size',
]);

/**
 * Returns a header value as text. Node reads header bytes as Latin-1, and
 * Glance's clients send UTF-8, so a value that is valid UTF-8 is decoded.
 */
function decodeHeaderValue(value: string): string {
  const bytes = Buffer.from(value, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return value;
  }
}

/** Parses a flag as oslo.utils' bool_from_string does: anything but a true word is false. */
export function boolFromString(value: string | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  return ['1', 't', 'true', 'on', 'y', 'yes'].includes(
    value.trim().toLowerCase(),
  );
}

/** Parses a header value as Python's int() does, where an empty header is no number either. */
function parseInteger(attribute: string, value: string | null): number {
  if (value === null || !/^\s*[+-]?\d+\s*$/.test(value)) {
    throw new InvalidInput('v1_invalid_integer', {
      attribute,
      value: value ?? 'None',
    });
  }
  const number = Number(value);
  if (number < 0) {
    throw new InvalidInput('negative_value', { attribute, value: number });
  }
  return number;
}

/**
 * Reads the image metadata of a v1 request from its headers, as Glance's
 * get_image_meta_from_headers does: names are lower-cased and dashes become
 * underscores, so `X-Image-Meta-Property-OS-Distro` sets `os_distro`. An
 * empty value means null, and an unknown `x-image-meta-*` header is
 * rejected.
 */
export function readImageMetadata(req: Request): V1ImageMetadata {
  const fields: Record<string, string | null> = {};
  const properties: Record<string, string | null> = {};
  for (const [name, raw] of Object.entries(req.headers)) {
    if (!name.startsWith(META_PREFIX) || raw === undefined) continue;
    const value = decodeHeaderValue(Array.isArray(raw) ? raw.join(', ') : raw);
    if (name.startsWith(PROPERTY_PREFIX)) {
      const key = name.slice(PROPERTY_PREFIX.length).replace(/-/g, '_');
      if (key === '') throw new InvalidInput('v1_bad_header', { header: name });
      setOwnValue(properties, key, value === '' ? null : value);
      continue;
    }
    const field = name.slice(META_PREFIX.length).replace(/-/g, '_');
    if (!META_FIELDS.has(field)) {
      throw new InvalidInput('v1_bad_header', { header: name });
    }
    fields[field] = value === '' ? null : value;
  }
  return toMetadata(fields, properties, req.get('x-glance-api-copy-from'));
}

function toMetadata(
  fields: Record<string, string | null>,
  properties: Record<string, string | null>,
  copyFrom: string | undefined,
): V1ImageMetadata {
  const meta: V1ImageMetadata = { properties };
  const has = (field: string): boolean => field in fields;

  if (has('id')) meta.id = fields.id;
  if (has('name')) meta.name = fields.name;
  if (has('status')) meta.status = fields.status;
  if (has('disk_format')) meta.diskFormat = fields.disk_format;
  if (has('container_format')) meta.containerFormat = fields.container_format;
  if (has('checksum')) meta.checksum = fields.checksum;
  if (has('owner')) meta.owner = fields.owner;
  if (has('store')) meta.store = fields.store;
  if (has('size')) meta.size = parseInteger('size', fields.size);
  if (has('min_ram')) meta.minRam = parseInteger('min_ram', fields.min_ram);
  if (has('min_disk')) meta.minDisk = parseInteger('min_disk', fields.min_disk);
  if (has('virtual_size')) {
    const value = fields.virtual_size;
    meta.virtualSize =
      value === null || value === 'None'
        ? null
        : parseInteger('virtual_size', value);
  }
  if (has('is_public')) meta.isPublic = boolFromString(fields.is_public);
  if (has('protected')) meta.protected = boolFromString(fields.protected);

  const source = fields.location ?? (copyFrom === '' ? undefined : copyFrom);
  if (source !== undefined && source !== null) meta.externalSource = source;
  return meta;
}

/** Reads x-glance-registry-purge-props, which is true unless the client turns it off. */
export function readPurgeProperties(req: Request): boolean {
  const header = req.get('x-glance-registry-purge-props');
  return header === undefined ? true : boolFromString(header);
}

/**
 * Returns the request body as image data, or null when the request has
 * none: like Glance, a chunked body or a Content-Length over 0 is data.
 */
export function readImageData(req: Request): V1ImageData | null {
  const length = req.get('content-length');
  const chunked = req.get('transfer-encoding') !== undefined;
  const declared =
    length !== undefined && /^\d+$/.test(length) ? Number(length) : null;
  if (!chunked && (declared === null || declared === 0)) return null;
  return { source: req, length: declared, mediaType: mediaType(req) };
}
