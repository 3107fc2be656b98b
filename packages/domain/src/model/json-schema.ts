import { ownValue } from './own-property';

/**
 * The subset of JSON Schema (draft 4) that the Images API schemas use, and a
 * validator for it. Clients download these documents and validate against
 * them, so the same definitions both describe and check request values.
 */
export type JsonType = 'string' | 'integer' | 'boolean' | 'array' | 'object' | 'null';

export interface JsonSchema {
  type?: JsonType | JsonType[];
  description?: string;
  readOnly?: boolean;
  writeOnly?: boolean;
  enum?: readonly unknown[];
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  is_base?: boolean;
}

function typeOf(value: unknown): JsonType | 'number' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

/** Returns a description of the first violation, or null when the value conforms. */
export function findViolation(schema: JsonSchema, value: unknown): string | null {
  if (schema.type !== undefined) {
    const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!allowed.includes(typeOf(value) as JsonType)) {
      return `${JSON.stringify(value)} is not of type ${allowed.map((t) => `'${t}'`).join(', ')}`;
    }
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    return `${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`;
  }
  if (typeof value === 'string') {
    return findStringViolation(schema, value);
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    for (const item of value) {
      const violation = findViolation(schema.items, item);
      if (violation !== null) return violation;
    }
  }
  if (typeOf(value) === 'object' && schema.properties !== undefined) {
    return findObjectViolation(schema, value as Record<string, unknown>);
  }
  return null;
}

function findStringViolation(schema: JsonSchema, value: string): string | null {
  if (schema.maxLength !== undefined && [...value].length > schema.maxLength) {
    return `${JSON.stringify(value)} is too long (maximum ${schema.maxLength} characters)`;
  }
  if (schema.minLength !== undefined && [...value].length < schema.minLength) {
    return `${JSON.stringify(value)} is too short (minimum ${schema.minLength} characters)`;
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
    return `${JSON.stringify(value)} does not match '${schema.pattern}'`;
  }
  return null;
}

function findObjectViolation(schema: JsonSchema, value: Record<string, unknown>): string | null {
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key)) return `'${key}' is a required property`;
  }
  for (const [key, item] of Object.entries(value)) {
    const child = schema.properties === undefined ? undefined : ownValue(schema.properties, key);
    if (child !== undefined) {
      const violation = findViolation(child, item);
      if (violation !== null) return violation;
    } else if (schema.additionalProperties === false) {
      return `additional property '${key}' is not allowed`;
    } else if (typeof schema.additionalProperties === 'object') {
      const violation = findViolation(schema.additionalProperties, item);
      if (violation !== null) return violation;
    }
  }
  return null;
}
