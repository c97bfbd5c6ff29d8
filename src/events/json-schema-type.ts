import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import { RE2JS } from 're2js';
import { AppError } from '../kernel/errors.js';
import type { EventTypeDefinition } from './event-type.js';
import { catalogOf, type KeyPathInfo, type ValueKind } from './key-paths.js';

/**
 * Schemas come from operators and validate every event of their type, so `pattern` and
 * `patternProperties` run on RE2 (linear time, no catastrophic backtracking; a pattern RE2 cannot
 * compile makes the schema invalid). `code` only matters for standalone code, which is not used.
 */
const re2Engine: NonNullable<NonNullable<Options['code']>['regExp']> = Object.assign(
  (pattern: string) => {
    const regex = RE2JS.compile(pattern);
    return { test: (value: string) => regex.matcher(value).find() };
  },
  { code: 're2js' },
);

// `addUsedSchema: false`: schemas are not kept by their `$id`, so two organisations (or a
// recompilation) may use the same `$id` without colliding.
const ajv = new Ajv({ allErrors: true, strict: false, addUsedSchema: false, code: { regExp: re2Engine } });
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

/**
 * An operator-registered event type whose `data` is described by a JSON schema (draft-07). An
 * unusable schema is `unprocessable`, with the problem under `field` (the schema's place in the
 * request).
 */
export function jsonSchemaEventType(type: string, schema: unknown, description = '', field = '/schema'): EventTypeDefinition {
  if (!isSchemaObject(schema) || kindOf(schema)?.kind !== 'object') {
    throw new AppError('unprocessable', 'The event schema must describe a JSON object', {
      errors: [{ field, message: 'must be a JSON schema with type "object" and properties' }],
    });
  }
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new AppError('unprocessable', 'The event schema is not a valid JSON schema', {
      errors: [{ field, message: (error as Error).message }],
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
