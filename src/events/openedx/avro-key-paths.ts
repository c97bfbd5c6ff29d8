import type avro from 'avsc';
import type { KeyPathInfo, ValueKind } from '../key-paths.js';

const scalarKinds: Record<string, ValueKind> = {
  string: 'string',
  long: 'integer',
  int: 'integer',
  double: 'number',
  float: 'number',
  boolean: 'boolean',
  bytes: 'string',
};

interface RecordLike {
  fields: { name: string; type: avro.Type }[];
}

function withoutNull(type: avro.Type): { type: avro.Type; nullable: boolean } {
  const branches = (type as unknown as { types?: avro.Type[] }).types;
  if (!type.typeName.startsWith('union') || !branches) return { type, nullable: false };
  const rest = branches.filter((branch) => branch.typeName !== 'null');
  const only = rest.length === 1 ? rest[0] : undefined;
  return { type: only ?? type, nullable: rest.length < branches.length };
}

/**
 * Every path of an Avro record, records included (so `exists` can test a nested record such as
 * `created_by`). Strings carrying dates in Open edX are declared as `string` in Avro; the caller
 * names them in `datetimePaths` so that they get date comparison and Python datetime rendering.
 */
export function avroKeyPaths(record: avro.Type, datetimePaths: ReadonlySet<string>): KeyPathInfo[] {
  const out: KeyPathInfo[] = [];
  const walk = (type: avro.Type, prefix: string, parentNullable: boolean): void => {
    for (const field of (type as unknown as RecordLike).fields) {
      const path = prefix ? `${prefix}.${field.name}` : field.name;
      const { type: inner, nullable: own } = withoutNull(field.type);
      const nullable = parentNullable || own;
      if (inner.typeName === 'record') {
        out.push({ path, kind: 'object', nullable });
        walk(inner, path, nullable);
        continue;
      }
      const scalar = scalarKinds[inner.typeName];
      const kind: ValueKind = datetimePaths.has(path) ? 'datetime' : (scalar ?? (inner.typeName === 'array' ? 'array' : 'object'));
      out.push({ path, kind, nullable });
    }
  };
  walk(record, '', false);
  return out;
}
