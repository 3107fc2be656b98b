import { Forbidden, InvalidInput, QuotaExceeded, ReadOnlyAttribute, ReservedAttribute } from '../errors';
import { Image } from './image';
import { baseImageProperties, DEFAULT_EXTRA_PROPERTIES, FormatSettings } from './image-schema';
import { findViolation, JsonSchema } from './json-schema';
import { ownValue, setOwnValue } from './own-property';

/** Limits and formats that shape what an image may contain. */
export interface ImageSettings {
  formats: FormatSettings;
  /** Custom properties per image, os_glance* ones not counted; negative means unlimited. */
  propertyQuota: number;
  /** Tags per image; negative means unlimited. */
  tagQuota: number;
}

export const MAX_INT32 = 2 ** 31 - 1;
export const MAX_PROPERTY_KEY_LENGTH = 255;

/** Attributes that only the server writes. */
export const READ_ONLY_ATTRIBUTES = [
  'created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url',
  'self', 'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value', 'stores',
] as const;

const RESERVED_ATTRIBUTES = ['location', 'deleted', 'deleted_at'];

export function isReservedAttribute(name: string): boolean {
  return RESERVED_ATTRIBUTES.includes(name) || name.startsWith('os_glance');
}

/** Base attributes by their API name, with the Image field each is stored in. */
export const BASE_FIELDS = {
  id: 'id',
  name: 'name',
  status: 'status',
  visibility: 'visibility',
  protected: 'protected',
  os_hidden: 'osHidden',
  checksum: 'checksum',
  os_hash_algo: 'osHashAlgo',
  os_hash_value: 'osHashValue',
  owner: 'owner',
  size: 'size',
  virtual_size: 'virtualSize',
  container_format: 'containerFormat',
  disk_format: 'diskFormat',
  min_ram: 'minRam',
  min_disk: 'minDisk',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
  tags: 'tags',
  locations: 'locations',
} as const satisfies Record<string, keyof Image>;

export type BaseAttribute = keyof typeof BASE_FIELDS;

export function isBaseAttribute(name: string, formats: FormatSettings): boolean {
  return Object.hasOwn(baseImageProperties(formats), name);
}

/** Checks one attribute value against the image schema, or throws InvalidInput (400). */
export function checkAttributeValue(name: string, value: unknown, formats: FormatSettings): void {
  const schema: JsonSchema =
    ownValue(baseImageProperties(formats), name) ?? ownValue(DEFAULT_EXTRA_PROPERTIES, name) ?? { type: 'string' };
  const violation = findViolation(schema, value);
  if (violation !== null) {
    throw new InvalidInput('schema_violation', { attribute: name, reason: violation });
  }
  if ((name === 'min_ram' || name === 'min_disk') && typeof value === 'number') {
    checkBootRequirement(name, value);
  }
}

function checkBootRequirement(name: string, value: number): void {
  if (value < 0) throw new InvalidInput('negative_value', { attribute: name, value });
  if (value > MAX_INT32) {
    throw new InvalidInput('value_too_large', { attribute: name, value, maximum: MAX_INT32 });
  }
}

export function checkPropertyKey(key: string): void {
  if ([...key].length > MAX_PROPERTY_KEY_LENGTH) {
    throw new InvalidInput('property_key_too_long', { maximum: MAX_PROPERTY_KEY_LENGTH });
  }
}

export function checkQuotas(image: Pick<Image, 'tags' | 'properties'>, settings: ImageSettings): void {
  const counted = Object.keys(image.properties).filter((key) => !key.startsWith('os_glance'));
  if (settings.propertyQuota >= 0 && counted.length > settings.propertyQuota) {
    throw new QuotaExceeded('property_quota_exceeded', { limit: settings.propertyQuota });
  }
  if (settings.tagQuota >= 0 && image.tags.length > settings.tagQuota) {
    throw new QuotaExceeded('tag_quota_exceeded', { limit: settings.tagQuota });
  }
}

/** Fields that a client may give when it creates an image. */
export interface ImageDraft {
  id?: string;
  name: string | null;
  visibility?: Image['visibility'];
  protected: boolean;
  osHidden: boolean;
  owner?: string | null;
  containerFormat: string | null;
  diskFormat: string | null;
  minRam: number;
  minDisk: number;
  tags: string[];
  properties: Record<string, string | null>;
}

const READ_ONLY_AT_CREATE = ['direct_url', 'self', 'file', 'schema', 'stores'];
const REJECTED_BY_FACTORY = ['checksum', 'created_at', 'updated_at', 'size', 'virtual_size', 'status'];

/**
 * Validates the JSON body of an image-create request in Glance's order of
 * checks and returns the draft it describes.
 */
export function parseImageDraft(body: unknown, settings: ImageSettings): ImageDraft {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInput('body_not_object');
  }
  const fields = body as Record<string, unknown>;
  const keys = Object.keys(fields);

  const readOnly = keys.find((key) => READ_ONLY_AT_CREATE.includes(key));
  if (readOnly !== undefined) throw new ReadOnlyAttribute(readOnly);
  for (const key of keys) {
    checkAttributeValue(key, fields[key], settings.formats);
  }
  for (const key of keys) {
    if (!isBaseAttribute(key, settings.formats)) checkPropertyKey(key);
  }
  const reserved = keys.find(isReservedAttribute);
  if (reserved !== undefined) throw new ReservedAttribute(reserved);
  const rejected = keys.find((key) => REJECTED_BY_FACTORY.includes(key));
  if (rejected !== undefined) throw new ReadOnlyAttribute(rejected);
  if ('locations' in fields) throw new ReservedAttribute('locations');

  const draft = draftFromFields(fields, settings.formats);
  checkQuotas(draft, settings);
  return draft;
}

/** Base attributes not named here (os_hash_algo, os_hash_value) are dropped, as Glance drops them. */
function draftFromFields(fields: Record<string, unknown>, formats: FormatSettings): ImageDraft {
  const properties: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!isBaseAttribute(key, formats)) setOwnValue(properties, key, value as string);
  }
  return {
    id: fields.id as string | undefined,
    name: (fields.name as string | null | undefined) ?? null,
    visibility: fields.visibility as Image['visibility'] | undefined,
    protected: (fields.protected as boolean | undefined) ?? false,
    osHidden: (fields.os_hidden as boolean | undefined) ?? false,
    owner: fields.owner as string | null | undefined,
    containerFormat: (fields.container_format as string | null | undefined) ?? null,
    diskFormat: (fields.disk_format as string | null | undefined) ?? null,
    minRam: (fields.min_ram as number | undefined) ?? 0,
    minDisk: (fields.min_disk as number | undefined) ?? 0,
    tags: [...new Set((fields.tags as string[] | undefined) ?? [])],
    properties,
  };
}

/** Formats may change only before the image has data. */
export function checkFormatChangeAllowed(image: Image, attribute: string): void {
  if (image.status !== 'queued' && image.status !== 'importing') {
    throw new Forbidden('format_change_not_allowed', { attribute, status: image.status });
  }
}
