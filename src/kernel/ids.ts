import { typeid, TypeID } from 'typeid-js';

/**
 * Public identifiers are TypeIDs: a type prefix plus a time-sortable UUIDv7 in base32
 * (`org_01jd8x…`). They are the primary keys too: opaque, not enumerable, ordered by creation
 * (so they double as pagination cursors), and they match `^\w+$` as LMS plugins require.
 */
export const idPrefixes = {
  organization: 'org',
  person: 'per',
  client: 'cli',
  clientSecret: 'sec',
  audit: 'aud',
  job: 'job',
  worker: 'wrk',
  image: 'img',
  issuer: 'iss',
  badgeClass: 'bc',
  statusList: 'sl',
  award: 'awd',
  bulkIssue: 'blk',
  requirement: 'req',
  penalty: 'pen',
  learner: 'lrn',
  learningEvent: 'evt',
  rejectedEvent: 'rej',
  providerConnection: 'con',
  providerTemplate: 'tpl',
} as const;

export type IdKind = keyof typeof idPrefixes;

export type IdGenerator = (kind: IdKind) => string;

export const newId: IdGenerator = (kind) => typeid(idPrefixes[kind]).toString();

/** True when `value` is a well-formed id of the given kind (used to turn garbage into 404s early). */
export function isId(kind: IdKind, value: string): boolean {
  try {
    return TypeID.fromString(value, idPrefixes[kind]).getType() === idPrefixes[kind];
  } catch {
    return false;
  }
}
