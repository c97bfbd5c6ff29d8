import { ob3ContextUrl, ob3ExtensionsContextUrl, vcV2ContextUrl } from './contexts.js';
import { isoSeconds, omitEmpty } from './json.js';
import type { JsonObject } from './json.js';
import { emailIdentity } from './recipient.js';

export const ob3SchemaUrl = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';

export interface ImageInput {
  /** URL or `data:` URI. */
  id: string;
  caption?: string;
}

export interface IssuerProfileInput {
  /** The issuer's DID (did:web or did:key); must equal the signing key's controller. */
  id: string;
  name: string;
  url?: string;
  email?: string;
  description?: string;
  image?: ImageInput;
}

export interface AlignmentInput {
  targetName: string;
  targetUrl: string;
  targetCode?: string;
  targetDescription?: string;
  targetFramework?: string;
  targetType?: string;
}

export interface AchievementInput {
  /** Stable URL of this badge class version (its public criteria page is a good choice). */
  id: string;
  name: string;
  description: string;
  /** At least one of the two: verifiers reject criteria with neither. */
  criteria: { id?: string; narrative?: string };
  achievementType?: string;
  alignments?: AlignmentInput[];
  tags?: string[];
  /** BCP 47, e.g. `en` or `pt-BR`. */
  inLanguage?: string;
  image?: ImageInput;
  creator?: IssuerProfileInput;
}

export interface RecipientInput {
  email: string;
  /** Per-award salt; a random one is drawn when absent. */
  salt?: string;
  /** The learner's DID, used as `credentialSubject.id` when known. */
  did?: string;
}

export interface EvidenceInput {
  id?: string;
  name?: string;
  description?: string;
  narrative?: string;
  genre?: string;
  audience?: string;
}

export interface StatusEntryInput {
  /** URL of the BitstringStatusListCredential. */
  statusListCredential: string;
  statusListIndex: number;
}

export interface OpenBadgeCredentialInput {
  /** `urn:uuid:…` or a URL. */
  id: string;
  issuer: IssuerProfileInput;
  achievement: AchievementInput;
  recipient: RecipientInput;
  validFrom: Date;
  validUntil?: Date;
  /** The original award date, kept when a credential is re-issued with a later validFrom. */
  awardedDate?: Date;
  evidence?: EvidenceInput[];
  /** Markdown narrative of how this learner earned it. */
  narrative?: string;
  status?: StatusEntryInput;
}

/**
 * An unsigned OpenBadgeCredential exact to OB 3.0 and what 1EdTech's validator checks: VC 2.0
 * then OB 3.0.3 contexts (extensions.json third, because `credentialSchema` uses a 1EdTech
 * type), arrays for every `type`, the issuer Profile embedded, the recipient as a salted
 * e-mail hash. Empty values are left out, as the serialisation rules require.
 */
export function buildOpenBadgeCredential(input: OpenBadgeCredentialInput): JsonObject {
  const subject: JsonObject = {
    id: input.recipient.did,
    type: ['AchievementSubject'],
    identifier: [emailIdentity(input.recipient.email, input.recipient.salt)],
    achievement: achievement(input.achievement),
    narrative: input.narrative,
  };
  return omitEmpty({
    '@context': [vcV2ContextUrl, ob3ContextUrl, ob3ExtensionsContextUrl],
    id: input.id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: input.achievement.name,
    description: input.achievement.description,
    image: image(input.achievement.image),
    issuer: profile(input.issuer),
    validFrom: isoSeconds(input.validFrom),
    validUntil: input.validUntil && isoSeconds(input.validUntil),
    awardedDate: input.awardedDate && isoSeconds(input.awardedDate),
    credentialSubject: omitEmpty(subject),
    evidence: input.evidence?.map((entry) => omitEmpty({ ...entry, type: ['Evidence'] })),
    credentialSchema: [{ id: ob3SchemaUrl, type: '1EdTechJsonSchemaValidator2019' }],
    credentialStatus: input.status && statusEntry(input.status),
  });
}

/** A W3C BitstringStatusListEntry for revocation; the index is a string, as the spec says. */
export function statusEntry(status: StatusEntryInput): JsonObject {
  return {
    id: `${status.statusListCredential}#${status.statusListIndex}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: String(status.statusListIndex),
    statusListCredential: status.statusListCredential,
  };
}

export function profile(input: IssuerProfileInput): JsonObject {
  return omitEmpty({
    id: input.id,
    type: ['Profile'],
    name: input.name,
    url: input.url,
    email: input.email,
    description: input.description,
    image: image(input.image),
  });
}

function achievement(input: AchievementInput): JsonObject {
  return omitEmpty({
    id: input.id,
    type: ['Achievement'],
    achievementType: input.achievementType,
    name: input.name,
    description: input.description,
    criteria: omitEmpty({ ...input.criteria }),
    image: image(input.image),
    alignment: input.alignments?.map((alignment) => omitEmpty({ type: ['Alignment'], ...alignment })),
    tag: input.tags,
    inLanguage: input.inLanguage,
    creator: input.creator && profile(input.creator),
  });
}

function image(input: ImageInput | undefined): JsonObject | undefined {
  return input && omitEmpty({ id: input.id, type: 'Image', caption: input.caption });
}
