import type { Db } from '../../db/database.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { findIssuerById, type Issuer } from '../issuers/store.js';
import { findBadgeClass, findVersion, type BadgeClass, type BadgeClassVersion } from './store.js';

export interface BadgeClassForIssuing {
  badgeClass: BadgeClass;
  /** The current version: the one a new award refers to and its credential describes. */
  version: BadgeClassVersion;
  issuer: Issuer;
}

/**
 * What the awards capability needs to issue a badge class of the organisation. Called inside the
 * award's transaction, it share-locks the badge class, so a concurrent edit waits and then sees
 * the award (and creates a new version) instead of changing the version the award uses. Outside
 * a transaction (a read before signing, checked again in the transaction) it locks nothing: a lock
 * there would only make the read a transaction that writes and waits for its commit to be flushed.
 * Throws `not_found` for an unknown (or another organisation's) badge class, `conflict` when archived.
 */
export async function badgeClassForIssuing(db: Db, organizationId: string, badgeClassId: string): Promise<BadgeClassForIssuing> {
  const badgeClass = await findBadgeClass(db, organizationId, badgeClassId, db.isTransaction ? 'share' : undefined);
  if (!badgeClass) throw notFound('Badge class');
  if (badgeClass.archivedAt) throw new AppError('conflict', `Badge class ${badgeClassId} is archived; it cannot be awarded.`);
  const version = await findVersion(db, badgeClassId, badgeClass.currentVersion);
  const issuer = await findIssuerById(db, badgeClass.issuerId);
  if (!version || !issuer) throw new Error(`Badge class ${badgeClassId} lacks its current version or issuer`);
  return { badgeClass, version, issuer };
}
