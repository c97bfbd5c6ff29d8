import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { AwardStatus, AwardsTable } from '../db/schema.js';
import type { Selectable } from 'kysely';

export interface EvidenceItem {
  id?: string;
  name?: string;
  description?: string;
  narrative?: string;
}

export interface AwardRecord {
  id: string;
  organizationId: string;
  badgeClassId: string;
  badgeClassVersion: number;
  issuerId: string;
  recipient: { email: string; name: string | null; did: string | null; externalId: string | null };
  recipientSalt: string;
  evidence: EvidenceItem[];
  narrative: string | null;
  issuedOn: Date;
  expiresOn: Date | null;
  status: AwardStatus;
  revokedAt: Date | null;
  revocationReason: string | null;
  statusListId: string;
  statusIndex: number;
  credential: Record<string, unknown> | null;
  /** When the recipient was e-mailed about the award (`notify`); null while no e-mail went out. */
  notifiedAt: Date | null;
  createdAt: Date;
}

export type NewAward = Omit<AwardRecord, 'status' | 'revokedAt' | 'revocationReason' | 'notifiedAt' | 'createdAt'> & { exclusive: boolean };

function toAward(row: Selectable<AwardsTable>): AwardRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    badgeClassId: row.badge_class_id,
    badgeClassVersion: row.badge_class_version,
    issuerId: row.issuer_id,
    recipient: { email: row.recipient_email, name: row.recipient_name, did: row.recipient_did, externalId: row.recipient_external_id },
    recipientSalt: row.recipient_salt,
    evidence: row.evidence as EvidenceItem[],
    narrative: row.narrative,
    issuedOn: row.issued_on,
    expiresOn: row.expires_on,
    status: row.status,
    revokedAt: row.revoked_at,
    revocationReason: row.revocation_reason,
    statusListId: row.status_list_id,
    statusIndex: row.status_index,
    credential: row.credential,
    notifiedAt: row.notified_at,
    createdAt: row.created_at,
  };
}

/**
 * Inserts awards; on a single-holding badge class a recipient who already holds it live is
 * skipped by the database itself (partial unique index), so concurrent issuers cannot
 * double-issue. Returns the ids actually inserted.
 */
export async function insertAwards(tx: Db, awards: readonly NewAward[]): Promise<Set<string>> {
  if (awards.length === 0) return new Set();
  const rows = await tx
    .insertInto('awards')
    .values(
      awards.map((award) => ({
        id: award.id,
        organization_id: award.organizationId,
        badge_class_id: award.badgeClassId,
        badge_class_version: award.badgeClassVersion,
        issuer_id: award.issuerId,
        recipient_email: award.recipient.email,
        recipient_name: award.recipient.name,
        recipient_did: award.recipient.did,
        recipient_external_id: award.recipient.externalId,
        recipient_salt: award.recipientSalt,
        evidence: JSON.stringify(award.evidence),
        narrative: award.narrative,
        issued_on: award.issuedOn,
        expires_on: award.expiresOn,
        status: 'awarded' as const,
        exclusive: award.exclusive,
        status_list_id: award.statusListId,
        status_index: award.statusIndex,
        credential: JSON.stringify(award.credential),
      })),
    )
    // The index predicate is written out, not bound: PostgreSQL infers a partial unique index only
    // from a predicate it can read, and a generic plan of a prepared statement has only `$1`.
    .onConflict((oc) => oc.expression(sql`badge_class_id, lower(recipient_email)`).where(sql<boolean>`status = 'awarded' and exclusive`).doNothing())
    .returning('id')
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** Live (not revoked, not expired at `now`) awards of a badge class held by any of these addresses (case-insensitive). */
export async function liveAwardsFor(db: Db, badgeClassId: string, emails: readonly string[], now: Date): Promise<AwardRecord[]> {
  if (emails.length === 0) return [];
  const rows = await db
    .selectFrom('awards')
    .selectAll()
    .where('badge_class_id', '=', badgeClassId)
    .where('status', '=', 'awarded')
    .where((eb) => eb.or([eb('expires_on', 'is', null), eb('expires_on', '>', now)]))
    .where(sql<string>`lower(recipient_email)`, 'in', emails.map((email) => email.toLowerCase()))
    .execute();
  return rows.map(toAward);
}

/**
 * An expired award of a single-holding badge class no longer counts as held: it gives up its
 * place in the one-live-award-per-recipient index so the badge can be earned again.
 */
export async function releaseExpiredAwards(tx: Db, badgeClassId: string, emails: readonly string[], now: Date): Promise<void> {
  if (emails.length === 0) return;
  await tx
    .updateTable('awards')
    .set({ exclusive: false })
    .where('badge_class_id', '=', badgeClassId)
    .where('status', '=', 'awarded')
    .where('exclusive', '=', true)
    .where('expires_on', '<=', now)
    .where(sql<string>`lower(recipient_email)`, 'in', emails.map((email) => email.toLowerCase()))
    .execute();
}

export async function findAward(db: Db, organizationId: string, id: string): Promise<AwardRecord | undefined> {
  const row = await db.selectFrom('awards').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
  return row && toAward(row);
}

/** An award by id alone, for its public documents (the id is unguessable). */
export async function findPublicAward(db: Db, id: string): Promise<AwardRecord | undefined> {
  const row = await db.selectFrom('awards').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toAward(row);
}

export interface AwardQuery {
  badgeClassId?: string;
  recipientEmail?: string;
  status?: 'awarded' | 'revoked' | 'expired';
  issuedFrom?: Date;
  issuedTo?: Date;
  after?: string;
  limit: number;
}

/** Newest first. `expired` and `awarded` are told apart by `expires_on` against `now`. */
export async function listAwards(db: Db, organizationId: string, query: AwardQuery, now: Date): Promise<{ items: AwardRecord[]; nextCursor: string | null }> {
  let select = db.selectFrom('awards').selectAll().where('organization_id', '=', organizationId);
  if (query.badgeClassId) select = select.where('badge_class_id', '=', query.badgeClassId);
  if (query.recipientEmail) select = select.where(sql<string>`lower(recipient_email)`, '=', query.recipientEmail.toLowerCase());
  if (query.status === 'revoked') select = select.where('status', '=', 'revoked');
  if (query.status === 'awarded') select = select.where('status', '=', 'awarded').where((eb) => eb.or([eb('expires_on', 'is', null), eb('expires_on', '>', now)]));
  if (query.status === 'expired') select = select.where('status', '=', 'awarded').where('expires_on', '<=', now);
  if (query.issuedFrom) select = select.where('issued_on', '>=', query.issuedFrom);
  if (query.issuedTo) select = select.where('issued_on', '<', query.issuedTo);
  if (query.after) select = select.where('id', '<', query.after);
  const rows = await select.orderBy('id', 'desc').limit(query.limit + 1).execute();
  const items = rows.slice(0, query.limit).map(toAward);
  return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
}

/** Marks an award revoked; false when it was not live (already revoked). */
export async function markAwardRevoked(tx: Db, id: string, reason: string, at: Date): Promise<boolean> {
  const result = await tx
    .updateTable('awards')
    .set({ status: 'revoked', revoked_at: at, revocation_reason: reason, updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'awarded')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records that the award's e-mail went out. */
export async function markAwardNotified(tx: Db, id: string, at: Date): Promise<void> {
  await tx.updateTable('awards').set({ notified_at: at, updated_at: at }).where('id', '=', id).execute();
}
