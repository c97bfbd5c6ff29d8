/**
 * Reading provider JSON defensively: the adapters check the few fields they rely on instead of
 * trusting a cast, and an answer of the wrong shape becomes a retryable error naming the field
 * (a provider mid-deploy recovers; a changed API shows up as a clear, visible job failure).
 */
import type { ProviderName } from './adapter.js';
import { ProviderUnavailableError } from './errors.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function unexpectedAnswer(provider: ProviderName, what: string): ProviderUnavailableError {
  return new ProviderUnavailableError(provider, `unexpected answer from ${provider}: ${what}`, { outcomeUnknown: false });
}

/** `body[key]` as an object, or an error naming what was missing. */
export function objectAt(provider: ProviderName, body: unknown, key: string): JsonObject {
  const value = isObject(body) ? body[key] : undefined;
  if (!isObject(value)) throw unexpectedAnswer(provider, `no "${key}" object`);
  return value;
}

/** `body[key]` as an array of objects, or an error naming what was missing. */
export function objectsAt(provider: ProviderName, body: unknown, key: string): JsonObject[] {
  const value = isObject(body) ? body[key] : undefined;
  if (!Array.isArray(value) || !value.every(isObject)) throw unexpectedAnswer(provider, `no "${key}" list`);
  return value;
}

/** An id that may come as a number (Accredible) or a string (Credly), always as a string. */
export function idAt(provider: ProviderName, object: JsonObject, key = 'id'): string {
  const value = object[key];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  throw unexpectedAnswer(provider, `no "${key}"`);
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
