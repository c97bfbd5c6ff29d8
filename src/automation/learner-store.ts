import type { Selectable } from 'kysely';
import type { LearnersTable } from '../db/schema.js';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { newId } from '../kernel/ids.js';
import type { LearnerBadgeState } from '../rules/index.js';

export interface Learner {
  id: string;
  organizationId: string;
  source: string;
  externalId: string;
  email: string;
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
  email: string;
  name?: string;
  username?: string;
  at: Date;
}

export const learnerKey = (source: string, externalId: string) => `${source}\u0000${externalId}`;

/**
 * Creates the learners of a batch of events and refreshes their contact details when an event is
 * newer than the newest seen so far. Returns learner ids by `learnerKey(source, externalId)`.
 */
export async function upsertLearners(tx: Db, organizationId: string, sightings: readonly LearnerSighting[]): Promise<Map<string, string>> {
  // One row per learner (a statement may not update a row twice): the newest sighting wins.
  const newest = new Map<string, LearnerSighting>();
  for (const sighting of sightings) {
    const key = learnerKey(sighting.source, sighting.externalId);
    const seen = newest.get(key);
    if (!seen || sighting.at >= seen.at) newest.set(key, sighting);
  }
  if (newest.size === 0) return new Map();
  const rows = [...newest.values()].map((s) => ({
    id: newId('learner'),
    organization_id: organizationId,
    source: s.source,
    external_id: s.externalId,
    email: s.email,
    name: s.name ?? null,
    username: s.username ?? null,
    last_event_at: s.at,
  }));
  await tx
    .insertInto('learners')
    .values(rows)
    .onConflict((c) =>
      c
        .columns(['organization_id', 'source', 'external_id'])
        .doUpdateSet((eb) => ({
          email: eb.ref('excluded.email'),
          name: sql<string | null>`coalesce(excluded.name, learners.name)`,
          username: sql<string | null>`coalesce(excluded.username, learners.username)`,
          last_event_at: eb.ref('excluded.last_event_at'),
          updated_at: sql<Date>`now()`,
        }))
        .where(sql<boolean>`excluded.last_event_at > learners.last_event_at`),
    )
    .execute();
  const found = await tx
    .selectFrom('learners')
    .select(['id', 'source', 'external_id'])
    .where('organization_id', '=', organizationId)
    .where('external_id', 'in', rows.map((r) => r.external_id))
    .execute();
  return new Map(found.filter((row) => newest.has(learnerKey(row.source, row.external_id))).map((row) => [learnerKey(row.source, row.external_id), row.id]));
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

export async function findLearner(db: Db, organizationId: string, id: string): Promise<Learner | undefined> {
  const row = await db.selectFrom('learners').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
  return row && toLearner(row);
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

export async function statesOf(db: Db, learnerId: string): Promise<Map<string, StoredState>> {
  const rows = await db.selectFrom('learner_badge_states').select(['badge_class_id', 'state', 'award_id', 'revision']).where('learner_id', '=', learnerId).execute();
  return new Map(rows.map((row) => [row.badge_class_id, { state: row.state as unknown as LearnerBadgeState, awardId: row.award_id, revision: row.revision }]));
}

/** Another event of the same learner changed the state since it was read: evaluate again. */
export class StaleStateError extends Error {
  constructor(learnerId: string, badgeClassId: string) {
    super(`the rule state of ${learnerId} for ${badgeClassId} changed meanwhile`);
    this.name = 'StaleStateError';
  }
}

/**
 * Writes a state read at `previous` (undefined: there was none). Optimistic: if another writer got
 * there first, nothing is written and StaleStateError rolls the caller's transaction back.
 */
export async function writeState(tx: Db, organizationId: string, learnerId: string, state: LearnerBadgeState, previous: StoredState | undefined): Promise<void> {
  const json = JSON.stringify(state);
  const result = previous
    ? await tx
        .updateTable('learner_badge_states')
        .set({ state: json, revision: previous.revision + 1, updated_at: sql<Date>`now()` })
        .where('learner_id', '=', learnerId)
        .where('badge_class_id', '=', state.badgeClassId)
        .where('revision', '=', previous.revision)
        .executeTakeFirst()
    : await tx
        .insertInto('learner_badge_states')
        .values({ learner_id: learnerId, badge_class_id: state.badgeClassId, organization_id: organizationId, state: json })
        .onConflict((c) => c.columns(['learner_id', 'badge_class_id']).doNothing())
        .executeTakeFirst();
  const written = 'numUpdatedRows' in result ? result.numUpdatedRows : (result.numInsertedOrUpdatedRows ?? 0n);
  if (written !== 1n) throw new StaleStateError(learnerId, state.badgeClassId);
}

/** Remembers the award the rules made for (or revoked from) the learner. */
export async function setStateAward(tx: Db, learnerId: string, badgeClassId: string, awardId: string | null): Promise<void> {
  await tx.updateTable('learner_badge_states').set({ award_id: awardId }).where('learner_id', '=', learnerId).where('badge_class_id', '=', badgeClassId).execute();
}
