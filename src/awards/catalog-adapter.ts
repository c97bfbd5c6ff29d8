import { sql } from 'kysely';
import { sameContent } from '../catalog/badge-classes/content-rules.js';
import { badgeClassForIssuing } from '../catalog/badge-classes/issuing.js';
import { findBadgeClassById, findVersion } from '../catalog/badge-classes/store.js';
import type { ImageType } from '../catalog/images/image-content.js';
import { findImageContent } from '../catalog/images/store.js';
import type { IssuerService } from '../catalog/issuers/service.js';
import { findIssuerById } from '../catalog/issuers/store.js';
import { verificationMethodId } from '../credentials/identifiers.js';
import { publicKeyOf } from '../credentials/keys.js';
import type { Db } from '../db/database.js';
import type { IssuingCatalog } from './ports.js';

/** The catalog's badge classes, issuers, keys and images, as the awards capability uses them. */
export function catalogForIssuing(db: Db, issuers: IssuerService): IssuingCatalog {
  return {
    badgeClassForIssuing: (organizationId, badgeClassId, tx) => badgeClassForIssuing(tx ?? db, organizationId, badgeClassId),
    sameAchievement: (a, b) => a.version.version === b.version.version && sameContent(a.version, b.version),
    async badgeClassVersion(badgeClassId, number) {
      const badgeClass = await findBadgeClassById(db, badgeClassId);
      const version = badgeClass && (await findVersion(db, badgeClassId, number));
      const issuer = badgeClass && (await findIssuerById(db, badgeClass.issuerId));
      return badgeClass && version && issuer ? { badgeClass, version, issuer } : undefined;
    },
    async signing(issuerId) {
      const material = await issuers.signingMaterial(issuerId);
      return {
        profile: material.profile,
        dataIntegrity: { verificationMethod: verificationMethodId(material.identity, publicKeyOf(material.ed25519)), keyPair: material.ed25519 },
        jwt: { kid: verificationMethodId(material.identity, publicKeyOf(material.p256)), keyPair: material.p256 },
      };
    },
    image: (imageId) => findImageContent(db, imageId),
    imageTypesOfAwards: (awardIds) => imageTypesOfAwards(db, awardIds),
  };
}

/** The content type of the image of each award's badge class version, by award id. */
async function imageTypesOfAwards(db: Db, awardIds: readonly string[]): Promise<Map<string, ImageType>> {
  if (awardIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('awards as a')
    .innerJoin('badge_class_versions as v', (join) => join.onRef('v.badge_class_id', '=', 'a.badge_class_id').onRef('v.version', '=', 'a.badge_class_version'))
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .select(['a.id', 'i.content_type'])
    .where(sql<boolean>`a.id = any(${[...awardIds]})`)
    .execute();
  return new Map(rows.map((row) => [row.id, row.content_type]));
}
