import type { Selectable } from 'kysely';
import type { LearnersTable } from '../db/schema.js';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { newId } from '../kernel/ids.js';
import { idsBySourceKey, sourceKey } from './source-keys.js';
import type { LearnerBadgeState } from '../rules/index.js';

export interface Learner {
  id: string;
  organizationId: string;
  source: string;
  externalId: string;
  /** Null until an event names it (some Open edX events carry the LMS user id alone). */
  email: string | null;
  name: string | null;
  username: string | null;
  lastEventAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** What one event says about its learner. */
export interface LearnerSighting {
  source: string;
  externalId: string;
  email?: string;
  name?: string;
  username?: string;
  at: Date;
}

/**
 * Creates the learners of a batch of events and refreshes their contact details when an event is
 * newer than the newest seen so far; an event without an e-mail keeps the one known. Returns
 * learner ids by `sourceKey(source, externalId)`.
 */
export async function upsertLearners(tx: Db, organizationId: string, sightings: readonly LearnerSighting[]): Promise<Map<string, string>> {
  // One row per learner (a statement may not update a row twice): the newest sighting wins.
  const newest = new Map<string, LearnerSighting>();
  for (const sighting of sightings) {
    const key = sourceKey(sighting.source, sighting.externalId);
    const seen = newest.get(key);
    if (!seen || sighting.at >= seen.at) newest.set(key, sighting);
  }
  if (newest.size === 0) return new Map();
  const rows = [...newest.values()].map((s) => ({
    id: newId('learner'),
    source: s.source,
    external_id: s.externalId,
    email: s.email ?? null,
    name: s.name ?? null,
    username: s.username ?? null,
    last_event_at: s.at,
  }));
  // The rows travel as one JSON parameter: one short statement, parsed and planned once. Each row
  // stays locked until the transaction ends (it serialises recordings of one learner); taking the
  // locks in one order keeps two recordings of overlapping learners from deadlocking.
  const { rows: written } = await sql<{ id: string; source: string; external_id: string }>`
    insert into learners (id, organization_id, source, external_id, email, name, username, last_event_at)
    select id, ${organizationId}, source, external_id, email, name, username, last_event_at
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as l(id text, source text, external_id text, email text, name text, username text, last_event_at timestamptz)
    order by source, external_id
    on conflict (organization_id, source, external_id) do update set
      email = coalesce(excluded.email, learners.email),
      name = coalesce(excluded.name, learners.name),
      username = coalesce(excluded.username, learners.username),
      last_event_at = excluded.last_event_at,
      updated_at = now()
    where excluded.last_event_at > learners.last_event_at
    returning id, source, external_id`.execute(tx);
  const ids = new Map(written.map((row) => [sourceKey(row.source, row.external_id), row.id]));
  // Learners whose newest event is older than one seen before are locked but not returned.
  const unchanged = [...newest.values()].filter((s) => !ids.has(sourceKey(s.source, s.externalId)));
  for (const [key, id] of await idsBySourceKey(tx, 'learners', organizationId, unchanged)) ids.set(key, id);
  return ids;
}

type LearnerRow = Selectable<LearnersTable>;

const toLearner = (row: LearnerRow): Learner => ({
  id: row.id,
  organizationId: row.organization_id,
  source: row.source,
  externalId: row.external_id,
  email: row.email,
  name: row.name,
  username: row.username,
  lastEventAt: row.last_event_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** A learner; `share` locks the row until the transaction ends, so its e-mail cannot change meanwhile. */
export async function findLearner(db: Db, organizationId: string, id: string, lock?: 'share'): Promise<Learner | undefined> {
  let select = db.selectFrom('learners').selectAll().where('organization_id', '=', organizationId).where('id', '=', id);
  if (lock === 'share') select = select.forShare();
  const row = await select.executeTakeFirst();
  return row && toLearner(row);
}

/** The organisation's learners with any of these e-mail addresses (case-insensitive). */
export async function learnersByEmail(db: Db, organizationId: string, emails: readonly string[]): Promise<Learner[]> {
  if (emails.length === 0) return [];
  const rows = await db
    .selectFrom('learners')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where(sql<string>`lower(email)`, 'in', emails.map((email) => email.toLowerCase()))
    .orderBy('id')
    .execute();
  return rows.map(toLearner);
}

export interface LearnerQuery {
  source?: string;
  externalId?: string;
  email?: string;
  after?: string;
  limit: number;
}

export async function listLearners(db: Db, organizationId: string, query: LearnerQuery): Promise<{ items: Learner[]; nextCursor: string | null }> {
  let select = db.selectFrom('learners').selectAll().where('organization_id', '=', organizationId);
  if (query.source !== undefined) select = select.where('source', '=', query.source);
  if (query.externalId !== undefined) select = select.where('external_id', '=', query.externalId);
  if (query.email !== undefined) select = select.where(sql<string>`lower(email)`, '=', query.email.toLowerCase());
  if (query.after) select = select.where('id', '>', query.after);
  const rows = await select.orderBy('id').limit(query.limit + 1).execute();
  const items = rows.slice(0, query.limit).map(toLearner);
  return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
}

/** A learner's rule state for one badge class, with the award the rules made and the row's revision. */
export interface StoredState {
  state: LearnerBadgeState;
  awardId: string | null;
  revision: number;
}

const toStoredState = (row: { state: unknown; award_id: string | null; revision: number }): StoredState => ({
  state: row.state as LearnerBadgeState,
  awardId: row.award_id,
  revision: row.revision,
});

export async function statesOf(db: Db, learnerId: string): Promise<Map<string, StoredState>> {
  return (await statesOfLearners(db, [learnerId])).get(learnerId) ?? new Map();
}

/** The states of many learners by learner id (learners without any are left out). */
export async function statesOfLearners(db: Db, learnerIds: readonly string[]): Promise<Map<string, Map<string, StoredState>>> {
  const byLearner = new Map<string, Map<string, StoredState>>();
  if (learnerIds.length === 0) return byLearner;
  const rows = await db
    .selectFrom('learner_badge_states')
    .select(['learner_id', 'badge_class_id', 'state', 'award_id', 'revision'])
    .where(sql<boolean>`learner_id = any(${[...learnerIds]})`)
    .execute();
  for (const row of rows) {
    let states = byLearner.get(row.learner_id);
    if (!states) byLearner.set(row.learner_id, (states = new Map()));
    states.set(row.badge_class_id, toStoredState(row));
  }
  return byLearner;
}

/** Another event of the same learner changed the state since it was read: evaluate again. */
export class StaleStateError extends Error {
  constructor(detail: string) {
    super(`the rule state of ${detail} changed meanwhile`);
    this.name = 'StaleStateError';
  }
}

/** A learner's new state for one badge class, and the stored one it was computed from (undefined: none). */
export interface StateWrite {
  organizationId: string;
  learnerId: string;
  state: LearnerBadgeState;
  previous: StoredState | undefined;
}

/** Writes one state read at `previous` (undefined: there was none), as `writeStates` does. */
export async function writeState(tx: Db, organizationId: string, learnerId: string, state: LearnerBadgeState, previous: StoredState | undefined): Promise<void> {
  await writeStates(tx, [{ organizationId, learnerId, state, previous }]);
}

/**
 * Writes states, each only if it is still as read (optimistic: one UPDATE for the changed rows,
 * one INSERT for the new ones). If another writer got to any of them first, StaleStateError
 * rolls the caller's transaction back.
 */
export async function writeStates(tx: Db, writes: readonly StateWrite[]): Promise<void> {
  const row = (w: StateWrite) => ({ learner_id: w.learnerId, badge_class_id: w.state.badgeClassId, organization_id: w.organizationId, state: w.state, revision: w.previous?.revision ?? 0 });
  const updates = writes.filter((w) => w.previous !== undefined).map(row);
  const inserts = writes.filter((w) => w.previous === undefined).map(row);
  const stale = () => new StaleStateError(writes.map((w) => `${w.learnerId} for ${w.state.badgeClassId}`).join(', '));
  if (updates.length > 0) {
    const result = await sql`
      update learner_badge_states s set state = w.state, revision = s.revision + 1, updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as w(learner_id text, badge_class_id text, state jsonb, revision integer)
      where s.learner_id = w.learner_id and s.badge_class_id = w.badge_class_id and s.revision = w.revision`.execute(tx);
    if (result.numAffectedRows !== BigInt(updates.length)) throw stale();
  }
  if (inserts.length > 0) {
    const result = await sql`
      insert into learner_badge_states (learner_id, badge_class_id, organization_id, state)
      select learner_id, badge_class_id, organization_id, state
      from jsonb_to_recordset(${JSON.stringify(inserts)}::jsonb) as w(learner_id text, badge_class_id text, organization_id text, state jsonb)
      on conflict (learner_id, badge_class_id) do nothing`.execute(tx);
    if (result.numAffectedRows !== BigInt(inserts.length)) throw stale();
  }
}

/** Remembers the award the rules made for (or revoked from) the learner. */
export async function setStateAward(tx: Db, learnerId: string, badgeClassId: string, awardId: string | null): Promise<void> {
  await tx.updateTable('learner_badge_states').set({ award_id: awardId }).where('learner_id', '=', learnerId).where('badge_class_id', '=', badgeClassId).execute();
}

/**
 * Stores states carried over from elsewhere, keeping any state a learner already has for that
 * badge class (what Laurel's own evaluation wrote is newer). Returns how many were stored.
 */
export async function insertStatesIfAbsent(tx: Db, organizationId: string, entries: readonly { learnerId: string; state: LearnerBadgeState }[]): Promise<number> {
  let stored = 0;
  // 4 parameters a row: statements stay well under PostgreSQL's 65,535 parameters.
  for (let start = 0; start < entries.length; start += 5000) {
    const rows = entries.slice(start, start + 5000).map(({ learnerId, state }) => ({ learner_id: learnerId, badge_class_id: state.badgeClassId, organization_id: organizationId, state: JSON.stringify(state) }));
    const inserted = await tx.insertInto('learner_badge_states').values(rows).onConflict((c) => c.columns(['learner_id', 'badge_class_id']).doNothing()).returning('learner_id').execute();
    stored += inserted.length;
  }
  return stored;
}
