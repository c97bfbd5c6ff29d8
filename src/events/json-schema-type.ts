import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { AppError } from '../kernel/errors.js';
import type { EventTypeDefinition } from './event-type.js';
import { catalogOf, type KeyPathInfo, type ValueKind } from './key-paths.js';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);

type JsonSchema = Record<string, unknown>;

function isSchemaObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(schema: JsonSchema): { kind: ValueKind; nullable: boolean } | undefined {
  const declared = Array.isArray(schema.type) ? schema.type : [schema.type];
  const nullable = declared.includes('null');
  const type = declared.find((t) => t !== 'null');
  if ((type === 'string' && (schema.format === 'date-time' || schema.format === 'date'))) return { kind: 'datetime', nullable };
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean' || type === 'object' || type === 'array') {
    return { kind: type, nullable };
  }
  if (isSchemaObject(schema.properties)) return { kind: 'object', nullable };
  return undefined;
}

/**
 * Key paths declared by `properties` (recursively). A property is nullable unless the parent lists
 * it in `required` and its type excludes null. `$ref`, `oneOf` and friends are not followed: such
 * properties are offered as their own path only when they declare a `type`.
 */
function collectKeyPaths(schema: JsonSchema, prefix: string, parentNullable: boolean, out: KeyPathInfo[]): void {
  if (!isSchemaObject(schema.properties)) return;
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  for (const [name, child] of Object.entries(schema.properties)) {
    if (!isSchemaObject(child)) continue;
    const info = kindOf(child);
    if (!info) continue;
    const path = prefix ? `${prefix}.${name}` : name;
    const nullable = parentNullable || info.nullable || !required.has(name);
    out.push({ path, kind: info.kind, nullable });
    if (info.kind === 'object') collectKeyPaths(child, path, nullable, out);
  }
}

function toFieldError(error: ErrorObject): { field: string; message: string } {
  return { field: `/data${error.instancePath}`, message: error.message ?? 'is invalid' };
}

/** An operator-registered event type whose `data` is described by a JSON schema (draft 2020-12/07). */
export function jsonSchemaEventType(type: string, schema: unknown, description = ''): EventTypeDefinition {
  if (!isSchemaObject(schema) || kindOf(schema)?.kind !== 'object') {
    throw new AppError('validation_failed', 'The event schema must describe a JSON object', {
      errors: [{ field: '/schema', message: 'must be a JSON schema with type "object" and properties' }],
    });
  }
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new AppError('validation_failed', 'The event schema is not a valid JSON schema', {
      errors: [{ field: '/schema', message: (error as Error).message }],
    });
  }
  const paths: KeyPathInfo[] = [];
  collectKeyPaths(schema, '', false, paths);
  return {
    type,
    origin: 'json-schema',
    description,
    keyPaths: catalogOf(paths),
    validateData: (data) => (validate(data) ? [] : (validate.errors ?? []).map(toFieldError)),
  };
}
