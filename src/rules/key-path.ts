/** Reads the value at a dot-separated path; undefined when any step is missing or not a container. */
export type PathReader = (data: unknown) => unknown;

function step(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) return /^\d+$/.test(key) ? value[Number(key)] : undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/** Compiled once per rule so evaluation does no string splitting. */
export function pathReader(path: string): PathReader {
  const keys = path.split('.');
  const [first = '', second] = keys;
  if (keys.length === 1) return (data) => step(data, first);
  if (keys.length === 2 && second !== undefined) return (data) => step(step(data, first), second);
  return (data) => keys.reduce<unknown>(step, data);
}
