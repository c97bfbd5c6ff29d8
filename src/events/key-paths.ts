/**
 * What a rule may point at inside an event's `data`: dot-separated key paths and the type of value
 * found there. Validation uses it to refuse unknown paths and operators that make no sense for the
 * value (e.g. `gt` on a string); the evaluator uses it to render values exactly as Open edX does.
 */
export type ValueKind = 'string' | 'integer' | 'number' | 'boolean' | 'datetime' | 'object' | 'array';

export interface KeyPathInfo {
  path: string;
  kind: ValueKind;
  /** The value may be null or absent. */
  nullable: boolean;
}

/** Key paths of one event type, by path. `null` means "any path": the type has no known schema. */
export type KeyPathCatalog = ReadonlyMap<string, KeyPathInfo> | null;

export function catalogOf(entries: readonly KeyPathInfo[]): ReadonlyMap<string, KeyPathInfo> {
  return new Map(entries.map((entry) => [entry.path, entry]));
}
