import { ob2ContextUrl } from './contexts.js';
import { isoSeconds, omitEmpty } from './json.js';
import type { JsonObject } from './json.js';
import type { AlignmentInput, EvidenceInput } from './ob3-credential.js';
import { hashIdentity, normalizeEmail, randomSalt } from './recipient.js';

/**
 * Open Badges 2.0 hosted documents. Each `id` is the stable public URL the document is served at
 * (hosted verification: a verifier GETs the id and compares), so callers pass those URLs in.
 */
export interface Ob2IssuerInput {
  id: string;
  name: string;
  url: string;
  email?: string;
  description?: string;
  image?: string;
}

export interface Ob2BadgeClassInput {
  id: string;
  /** URL of the OB 2.0 issuer Profile. */
  issuer: string;
  name: string;
  description: string;
  /** URL of the badge image. */
  image: string;
  criteria: { id?: string; narrative?: string };
  alignments?: AlignmentInput[];
  tags?: string[];
}

export interface Ob2AssertionInput {
  id: string;
  /** URL of the BadgeClass. */
  badge: string;
  recipient: { email: string; salt?: string };
  issuedOn: Date;
  expires?: Date;
  /** URL of the baked image for this assertion. */
  image?: string;
  evidence?: EvidenceInput[];
  narrative?: string;
}

export function buildOb2Issuer(input: Ob2IssuerInput): JsonObject {
  return omitEmpty({
    '@context': ob2ContextUrl,
    type: 'Issuer',
    id: input.id,
    name: input.name,
    url: input.url,
    email: input.email,
    description: input.description,
    image: input.image,
  });
}

export function buildOb2BadgeClass(input: Ob2BadgeClassInput): JsonObject {
  return omitEmpty({
    '@context': ob2ContextUrl,
    type: 'BadgeClass',
    id: input.id,
    name: input.name,
    description: input.description,
    image: input.image,
    criteria: omitEmpty({ ...input.criteria }),
    issuer: input.issuer,
    // OB 2.0 alignments have no `type` and no `targetType`.
    alignment: input.alignments?.map(({ targetType: _targetType, ...alignment }) => omitEmpty({ ...alignment })),
    tags: input.tags,
  });
}

export function buildOb2Assertion(input: Ob2AssertionInput): JsonObject {
  const salt = input.recipient.salt ?? randomSalt();
  return omitEmpty({
    '@context': ob2ContextUrl,
    type: 'Assertion',
    id: input.id,
    recipient: { type: 'email', hashed: true, salt, identity: hashIdentity(normalizeEmail(input.recipient.email), salt) },
    badge: input.badge,
    verification: { type: 'HostedBadge' },
    issuedOn: isoSeconds(input.issuedOn),
    expires: input.expires && isoSeconds(input.expires),
    image: input.image,
    evidence: input.evidence?.map((entry) => omitEmpty({ ...entry })),
    narrative: input.narrative,
  });
}

/** The body served with `410 Gone` at a revoked assertion's URL. */
export function buildRevokedOb2Assertion(id: string, revocationReason: string): JsonObject {
  return { '@context': ob2ContextUrl, type: 'Assertion', id, revoked: true, revocationReason };
}

