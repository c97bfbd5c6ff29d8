import type { BadgeClassForIssuing } from '../catalog/badge-classes/issuing.js';
import type { ImageType } from '../catalog/images/image-content.js';
import type { Db } from '../db/database.js';
import type { DeliveryState } from '../db/schema.js';
import type { DataIntegritySigningKey } from '../credentials/data-integrity.js';
import type { JsonObject } from '../credentials/json.js';
import type { IssuerProfileInput } from '../credentials/ob3-credential.js';
import type { VcJwtSigningKey } from '../credentials/vc-jwt.js';
import type { AwardRecord } from './store.js';

/** A badge class at one version, with its issuer: everything a credential describes. */
export type IssuableBadgeClass = BadgeClassForIssuing;

export interface IssuerSigning {
  /** The OB 3.0 issuer Profile to embed (id = the issuer's DID). */
  profile: IssuerProfileInput;
  dataIntegrity: DataIntegritySigningKey;
  jwt: VcJwtSigningKey;
}

/** The catalog, as issuing sees it (wired to src/catalog in the composition root). */
export interface IssuingCatalog {
  /**
   * The current version of an organisation's badge class; throws not_found / conflict (archived).
   * Given a transaction, it share-locks the badge class until commit, so no edit can slip in.
   */
  badgeClassForIssuing(organizationId: string, badgeClassId: string, tx?: Db): Promise<IssuableBadgeClass>;
  /** Whether two reads of a badge class describe the same achievement (same version and content). */
  sameAchievement(a: IssuableBadgeClass, b: IssuableBadgeClass): boolean;
  /** A badge class as it was at `version` (for documents of awards made with an older version). */
  badgeClassVersion(badgeClassId: string, version: number): Promise<IssuableBadgeClass | undefined>;
  /** The issuer's profile and current signing keys, unsealed. */
  signing(issuerId: string): Promise<IssuerSigning>;
  /** A stored image (the badge picture that credentials are baked into). */
  image(imageId: string): Promise<{ contentType: ImageType; bytes: Buffer } | undefined>;
  /** The image type of each award's badge class version, by award id (one query for them all). */
  imageTypesOfAwards(awardIds: readonly string[]): Promise<Map<string, ImageType>>;
}

/** Data Integrity signing, run off the event loop (a worker-thread pool). */
export interface CredentialSigner {
  sign(credential: JsonObject, key: DataIntegritySigningKey, created: Date): Promise<JsonObject>;
}

/**
 * Hears awards being made and revoked, inside the transaction that makes the change, so whatever
 * it records or enqueues commits with the change or not at all (outbox). Delivery to providers
 * hangs off this.
 */
export interface AwardListener {
  /** The awards just stored (not ones the recipient already held), all of one badge class. */
  awarded(tx: Db, awards: readonly AwardRecord[], badgeClass: IssuableBadgeClass): Promise<void>;
  /** An award that has just become revoked. */
  revoked(tx: Db, award: AwardRecord): Promise<void>;
}

/** What a provider holds for an award of a provider-backed badge class, as the award shows it. */
export interface AwardProviderStatus {
  connectionId: string;
  templateId: string;
  /** The provider's badge or credential id, once it has one. */
  externalId: string | null;
  state: DeliveryState;
  /** The provider's own word for the state. */
  providerState: string | null;
  url: string | null;
  /** The last failure, shown to users until a later attempt succeeds. */
  error: string | null;
  /** Attempts to reach the provider so far, including the one running now. */
  attempts: number;
  /** When the delivery was queued (with the award). */
  createdAt: Date;
  updatedAt: Date;
}

/** The provider side of several awards at once (absent for awards Laurel alone issues). */
export type ProviderStatusLookup = (awardIds: readonly string[]) => Promise<Map<string, AwardProviderStatus>>;
