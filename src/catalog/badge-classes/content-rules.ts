import type { ExpiryPolicy } from '../../db/schema.js';
import { AppError } from '../../kernel/errors.js';
import type { BadgeClassContent } from './store.js';

/** Expiry as the API takes it: one object whose `kind` says which other field must be present. */
export interface ExpiryInput {
  kind: ExpiryPolicy['kind'];
  date?: string;
  days?: number;
}

function invalid(field: string, message: string): AppError {
  return new AppError('validation_failed', `${field}: ${message}`, { errors: [{ field, message }] });
}

export function expiryPolicy(input: ExpiryInput, field: string): ExpiryPolicy {
  if (input.kind === 'never') {
    if (input.date !== undefined || input.days !== undefined) throw invalid(field, 'kind "never" takes neither date nor days');
    return { kind: 'never' };
  }
  if (input.kind === 'date') {
    if (input.date === undefined || input.days !== undefined) throw invalid(`${field}/date`, 'kind "date" needs a date (RFC 3339) and no days');
    return { kind: 'date', date: new Date(input.date).toISOString() };
  }
  if (input.days === undefined || input.date !== undefined) throw invalid(`${field}/days`, 'kind "duration" needs days and no date');
  return { kind: 'duration', days: input.days };
}

/** Verifiers reject an achievement whose criteria have neither a narrative nor a URL. */
export function requireCriteria(criteria: BadgeClassContent['criteria'], field: string): void {
  if (criteria.narrative === null && criteria.url === null) throw invalid(field, 'needs a narrative, a url, or both');
}

/** Objects with sorted keys: jsonb does not keep the order a client sent them in. */
function sortKeys(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Content in a fixed shape, so a stored version and an edited one can be compared as JSON. */
function canonical(content: BadgeClassContent): string {
  const { name, description, imageId, criteria, achievementType, alignments, tags, language, expiry } = content;
  return JSON.stringify([name, description, imageId, criteria, achievementType, alignments, tags, language, expiry], sortKeys);
}

export function sameContent(a: BadgeClassContent, b: BadgeClassContent): boolean {
  return canonical(a) === canonical(b);
}
