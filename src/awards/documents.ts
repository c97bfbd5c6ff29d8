import { buildOb2Assertion, buildRevokedOb2Assertion } from '../credentials/ob2.js';
import { buildOpenBadgeCredential } from '../credentials/ob3-credential.js';
import type { JsonObject } from '../credentials/json.js';
import type { ImageType } from '../catalog/images/image-content.js';
import type { ExpiryPolicy } from '../db/schema.js';
import { publicUrls } from '../catalog/public-urls.js';
import type { IssuerProfileInput } from '../credentials/ob3-credential.js';
import type { IssuableBadgeClass } from './ports.js';
import type { AwardRecord } from './store.js';

/**
 * The public addresses of everything an award publishes. They are the documents' ids too, so a
 * verifier fetching an id gets the document that names it.
 */
export function awardUrls(publicUrl: string, awardId: string) {
  const base = `${publicUrl}/awards/${awardId}`;
  return {
    assertion: base,
    credential: `${base}/credential`,
    credentialJwt: `${base}/credential.jwt`,
    imagePng: `${base}/image.png`,
    imageSvg: `${base}/image.svg`,
  };
}

/** The baked badge image of an award, in the format of its badge class's image (the only one served). */
export const bakedImageUrl = (urls: ReturnType<typeof awardUrls>, imageType: ImageType) => (imageType === 'image/svg+xml' ? urls.imageSvg : urls.imagePng);

export const statusListUrl = (publicUrl: string, statusListId: string) => `${publicUrl}/status-lists/${statusListId}`;

/** When an award made at `issuedOn` expires under the badge class's policy (null: never). */
export function expiryFor(policy: ExpiryPolicy, issuedOn: Date): Date | null {
  if (policy.kind === 'never') return null;
  if (policy.kind === 'date') return new Date(policy.date);
  return new Date(issuedOn.getTime() + policy.days * 86_400_000);
}

type AwardFacts = Pick<AwardRecord, 'id' | 'recipient' | 'recipientSalt' | 'evidence' | 'narrative' | 'issuedOn' | 'expiresOn' | 'statusListId' | 'statusIndex'>;

/** The unsigned OB 3.0 OpenBadgeCredential of an award. */
export function openBadgeCredential(publicUrl: string, award: AwardFacts, issuable: IssuableBadgeClass, issuer: IssuerProfileInput): JsonObject {
  const { badgeClass, version } = issuable;
  const urls = publicUrls(publicUrl);
  const criteriaPage = urls.criteria(badgeClass.id, version.version);
  return buildOpenBadgeCredential({
    id: awardUrls(publicUrl, award.id).credential,
    issuer,
    achievement: {
      id: urls.badgeClassVersion(badgeClass.id, version.version),
      name: version.name,
      description: version.description,
      criteria: { id: version.criteria.url ?? criteriaPage, narrative: version.criteria.narrative ?? undefined },
      achievementType: version.achievementType,
      alignments: version.alignments,
      tags: version.tags,
      inLanguage: version.language ?? undefined,
      image: { id: urls.image(version.imageId) },
    },
    recipient: { email: award.recipient.email, salt: award.recipientSalt, did: award.recipient.did ?? undefined },
    validFrom: award.issuedOn,
    validUntil: award.expiresOn ?? undefined,
    evidence: award.evidence,
    narrative: award.narrative ?? undefined,
    status: { statusListCredential: statusListUrl(publicUrl, award.statusListId), statusListIndex: award.statusIndex },
  });
}

/** The OB 2.0 hosted assertion, or the body served with 410 once revoked. */
export function ob2Assertion(publicUrl: string, award: AwardRecord): JsonObject {
  const urls = awardUrls(publicUrl, award.id);
  if (award.status === 'revoked') return buildRevokedOb2Assertion(urls.assertion, award.revocationReason ?? 'Revoked by the issuer');
  return buildOb2Assertion({
    id: urls.assertion,
    badge: publicUrls(publicUrl).badgeClassVersion(award.badgeClassId, award.badgeClassVersion),
    recipient: { email: award.recipient.email, salt: award.recipientSalt },
    issuedOn: award.issuedOn,
    expires: award.expiresOn ?? undefined,
    evidence: award.evidence,
    narrative: award.narrative ?? undefined,
  });
}
