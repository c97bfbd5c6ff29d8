import type { ValueKind } from '../events/key-paths.js';
import type { ScalarValue } from './model.js';

/**
 * Open edX compares `str(actual) == expected` in Python. To behave identically on imported rules,
 * `eq`/`ne` compare strings rendered the way Python's `str()` would print the decoded payload.
 */
const trueSpellings = new Set(['True', 'true', 'Yes', 'yes', '+']);
const falseSpellings = new Set(['False', 'false', 'No', 'no', '-']);

/** Python `repr(float)`: shortest round-trip digits, exponent outside [1e-4, 1e16). */
function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const [mantissa = '0', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const fixed = String(value);
  return fixed.includes('.') || fixed.includes('e') ? fixed : `${fixed}.0`;
}

function pythonInt(value: number): string {
  return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
}

/** Python `str(datetime)`: ISO 8601 with a space instead of `T`, UTC written `+00:00`. */
function pythonDatetime(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return value;
  return `${value.slice(0, 10)} ${value.slice(11)}`.replace(/Z$/, '+00:00');
}

function pythonStringRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  const escaped = value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll(quote, `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

function pythonRepr(value: unknown): string {
  return typeof value === 'string' ? pythonStringRepr(value) : renderPython(value);
}

/** `str(value)` as Python prints the value decoded from the event; `kind` comes from the event schema. */
export function renderPython(value: unknown, kind?: ValueKind): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return kind === 'number' || !Number.isInteger(value) ? pythonFloat(value) : pythonInt(value);
  if (typeof value === 'string') return kind === 'datetime' ? pythonDatetime(value) : value;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([key, item]) => `${pythonStringRepr(key)}: ${pythonRepr(item)}`).join(', ')}}`;
  }
  return String(value);
}

/**
 * The expected side of `eq`/`ne`. Upstream stores it as text and maps the ten boolean spellings
 * to `True`/`False` on every rule, whatever the field; typed JSON values are rendered like actuals.
 */
export function renderExpected(value: ScalarValue, kind?: ValueKind): string {
  if (typeof value !== 'string') return renderPython(value, kind);
  if (trueSpellings.has(value)) return 'True';
  if (falseSpellings.has(value)) return 'False';
  return value;
}

export function isBooleanSpelling(value: string): boolean {
  return trueSpellings.has(value) || falseSpellings.has(value);
}
