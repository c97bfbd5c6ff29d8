import type { Db } from '../db/database.js';
import { unusableField } from '../kernel/errors.js';
import { imageBelongsTo } from './images/store.js';
import { findIssuer, type Issuer } from './issuers/store.js';

/**
 * Another organisation's image reads exactly like a missing one, so nothing about it leaks.
 * `field` is the request field that named it, e.g. `body/imageId`.
 */
export async function requireOwnImage(db: Db, organizationId: string, imageId: string, field: string): Promise<void> {
  if (!(await imageBelongsTo(db, organizationId, imageId))) {
    throw unusableField(field, `no image ${imageId} in this organisation; upload it with POST /api/v1/images`);
  }
}

export async function requireOwnIssuer(db: Db, organizationId: string, issuerId: string, field: string): Promise<Issuer> {
  const issuer = await findIssuer(db, organizationId, issuerId);
  if (!issuer) throw unusableField(field, `no issuer ${issuerId} in this organisation`);
  return issuer;
}
