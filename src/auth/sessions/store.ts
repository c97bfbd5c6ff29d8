import type { Db } from '../../db/database.js';
import type { Role } from '../../db/schema.js';

export interface SessionRecord {
  personId: string;
  organizationId: string;
  role: Role;
  csrfToken: string;
  mustChangePassword: boolean;
  expiresAt: Date;
}

export async function insertSession(
  tx: Db,
  session: { tokenHash: string; personId: string; organizationId: string; csrfToken: string; expiresAt: Date },
): Promise<void> {
  await tx
    .insertInto('sessions')
    .values({
      token_hash: session.tokenHash,
      person_id: session.personId,
      organization_id: session.organizationId,
      csrf_token: session.csrfToken,
      expires_at: session.expiresAt,
    })
    .execute();
}

/** A live session with the person's current role; none once expired or the membership is gone. */
export async function findLiveSession(db: Db, tokenHash: string, now: Date): Promise<SessionRecord | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('memberships', (join) =>
      join.onRef('memberships.person_id', '=', 'sessions.person_id').onRef('memberships.organization_id', '=', 'sessions.organization_id'),
    )
    .innerJoin('people', 'people.id', 'sessions.person_id')
    .select(['sessions.person_id', 'sessions.organization_id', 'sessions.csrf_token', 'sessions.expires_at', 'memberships.role', 'people.must_change_password'])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
  return (
    row && {
      personId: row.person_id,
      organizationId: row.organization_id,
      role: row.role,
      csrfToken: row.csrf_token,
      mustChangePassword: row.must_change_password,
      expiresAt: row.expires_at,
    }
  );
}

export async function deleteSession(tx: Db, tokenHash: string): Promise<void> {
  await tx.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteOtherSessions(tx: Db, personId: string, keepTokenHash: string): Promise<void> {
  await tx.deleteFrom('sessions').where('person_id', '=', personId).where('token_hash', '!=', keepTokenHash).execute();
}

export async function recordLoginFailure(tx: Db, subjects: string[], at: Date): Promise<void> {
  await tx
    .insertInto('login_failures')
    .values(subjects.map((subject) => ({ subject, failed_at: at })))
    .execute();
}

/** Failures of `subject` since `since`, oldest first (only their times). */
export async function loginFailuresSince(db: Db, subject: string, since: Date): Promise<Date[]> {
  const rows = await db.selectFrom('login_failures').select('failed_at').where('subject', '=', subject).where('failed_at', '>', since).orderBy('failed_at').execute();
  return rows.map((row) => row.failed_at);
}

export async function clearLoginFailures(tx: Db, subject: string): Promise<void> {
  await tx.deleteFrom('login_failures').where('subject', '=', subject).execute();
}

/** Housekeeping run by the workers: expired sessions and old login failures. */
export async function pruneSessions(db: Db, now: Date, failureWindowSeconds: number): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  await db.deleteFrom('login_failures').where('failed_at', '<', new Date(now.getTime() - failureWindowSeconds * 1000)).execute();
}
