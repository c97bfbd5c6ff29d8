import { sameContent } from '../catalog/badge-classes/content-rules.js';
import { badgeClassForIssuing } from '../catalog/badge-classes/issuing.js';
import { findBadgeClassById, findVersion } from '../catalog/badge-classes/store.js';
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
  };
}
