import { Conflict, Forbidden, InvalidInput, ReadOnlyAttribute, ReservedAttribute } from '../errors';
import { Image } from './image';
import {
  BASE_FIELDS,
  checkAttributeValue,
  checkFormatChangeAllowed,
  checkPropertyKey,
  checkQuotas,
  ImageSettings,
  isBaseAttribute,
  isReservedAttribute,
  READ_ONLY_ATTRIBUTES,
} from './image-rules';
import { setOwnValue } from './own-property';

/** The two JSON-patch dialects of the Images API. */
export type PatchDialect = '2.0' | '2.1';

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  /** Decoded JSON-pointer tokens. */
  path: string[];
  value?: unknown;
}

const OPERATIONS = ['add', 'replace', 'remove'] as const;

/**
 * Decodes and validates a JSON-patch body. The 2.1 dialect is RFC 6902
 * (`{"op", "path", "value"}`); the 2.0 dialect names the operation as the key
 * (`{"replace": "/name", "value"}`).
 */
export function parsePatch(body: unknown, dialect: PatchDialect, settings: ImageSettings): PatchOperation[] {
  if (!Array.isArray(body)) throw new InvalidInput('patch_not_list');
  return body.map((item) => {
    const operation = parseOperation(item, dialect);
    checkOperation(operation, settings);
    return operation;
  });
}

function parseOperation(item: unknown, dialect: PatchDialect): PatchOperation {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new InvalidInput('patch_operation_not_object');
  }
  const fields = item as Record<string, unknown>;
  let op: unknown;
  let pointer: unknown;
  if (dialect === '2.1') {
    op = fields.op;
    pointer = fields.path;
    if (op === undefined || pointer === undefined) throw new InvalidInput('patch_missing_op_or_path');
  } else {
    const named = OPERATIONS.filter((name) => name in fields);
    if (named.length !== 1) throw new InvalidInput('patch_one_operation_expected');
    op = named[0];
    pointer = fields[named[0]];
  }
  if (!(OPERATIONS as readonly unknown[]).includes(op)) {
    throw new InvalidInput('patch_unsupported_operation', { op: String(op) });
  }
  if (typeof pointer !== 'string') throw new InvalidInput('patch_invalid_pointer', { path: String(pointer) });
  if (op !== 'remove' && !('value' in fields)) throw new InvalidInput('patch_value_required', { op: op as string });
  return { op: op as PatchOperation['op'], path: decodePointer(pointer), value: fields.value };
}

/** Decodes a JSON pointer (RFC 6901) into its tokens. */
export function decodePointer(pointer: string): string[] {
  if (!pointer.startsWith('/') || pointer.endsWith('/') || pointer.includes('//')) {
    throw new InvalidInput('patch_invalid_pointer', { path: pointer });
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw new InvalidInput('patch_invalid_pointer', { path: pointer });
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

function checkOperation(operation: PatchOperation, settings: ImageSettings): void {
  const [root] = operation.path;
  if ((READ_ONLY_ATTRIBUTES as readonly string[]).includes(root)) throw new ReadOnlyAttribute(root);
  if (isReservedAttribute(root)) throw new ReservedAttribute(root);
  if (root === 'locations') {
    // NOTE: locations stay hidden (show_multiple_locations is off), and
    // Glance then refuses every change to them.
    throw new Forbidden('locations_invisible');
  }
  if (operation.path.length !== 1) {
    throw new InvalidInput('patch_invalid_pointer_for_resource', { path: operation.path.join('/') });
  }
  if (operation.op !== 'remove') {
    checkAttributeValue(root, operation.value, settings.formats);
    if (!isBaseAttribute(root, settings.formats)) checkPropertyKey(root);
  }
}

/**
 * Applies validated operations in order and returns the changed image. Base
 * attributes cannot be removed; custom properties must exist to be replaced
 * or removed; the 2.0 dialect refuses to add a property that exists.
 */
export function applyPatch(
  image: Image,
  operations: PatchOperation[],
  dialect: PatchDialect,
  settings: ImageSettings,
): Image {
  let result: Image = { ...image, tags: [...image.tags], properties: { ...image.properties } };
  for (const operation of operations) {
    result = applyOperation(result, operation, dialect, settings);
  }
  checkQuotas(result, settings);
  return result;
}

function applyOperation(
  image: Image,
  operation: PatchOperation,
  dialect: PatchDialect,
  settings: ImageSettings,
): Image {
  const [name] = operation.path;
  if (isBaseAttribute(name, settings.formats)) {
    if (operation.op === 'remove') throw new Forbidden('property_not_removable', { property: name });
    if (dialect === '2.0' && operation.op === 'add') {
      throw new Conflict('property_already_present', { property: name });
    }
    return setBaseAttribute(image, name as keyof typeof BASE_FIELDS, operation.value);
  }
  const exists = Object.hasOwn(image.properties, name);
  if (operation.op !== 'add' && !exists) throw new Conflict('property_missing', { property: name });
  if (operation.op === 'add' && exists && dialect === '2.0') {
    throw new Conflict('property_already_present', { property: name });
  }
  if (operation.op === 'remove') {
    delete image.properties[name];
  } else {
    setOwnValue(image.properties, name, operation.value as string | null);
  }
  return image;
}

function setBaseAttribute(image: Image, name: keyof typeof BASE_FIELDS, value: unknown): Image {
  // Glance rejects the write itself, even when the value stays the same.
  if (name === 'disk_format' || name === 'container_format') checkFormatChangeAllowed(image, name);
  if (name === 'tags') {
    return { ...image, tags: [...new Set(value as string[])] };
  }
  return { ...image, [BASE_FIELDS[name]]: value };
}
