import type { Db } from '../db/database.js';
import type { NormalizedEvent } from '../events/event.js';
import { newId } from '../kernel/ids.js';
import type { EventExplanation, TransitionKind } from '../rules/index.js';

/** An event of the log, with the learner it was recorded for. */
export interface StoredEvent {
  id: string;
  organizationId: string;
  learnerId: string;
  receivedAt: Date;
  event: NormalizedEvent;
}

export interface NewEvent {
  learnerId: string;
  event: NormalizedEvent;
}

export const eventKey = (source: string, externalId: string) => `${source}\u0000${externalId}`;

/**
 * Appends events to the log; an event whose (source, id) is already there is left alone. Returns
 * the log id of every event given, new or not, by `eventKey(source, id)`, and which ones are new.
 */
export async function appendEvents(tx: Db, organizationId: string, events: readonly NewEvent[]): Promise<{ ids: Map<string, string>; inserted: Set<string> }> {
  const ids = new Map<string, string>();
  const inserted = new Set<string>();
  if (events.length === 0) return { ids, inserted };
  const rows = events.map(({ learnerId, event }) => ({
    id: newId('learningEvent'),
    organization_id: organizationId,
    source: event.source,
    external_id: event.id,
    type: event.type,
    time: new Date(event.time),
    learner_id: learnerId,
    event: JSON.stringify(event),
  }));
  const fresh = await tx
    .insertInto('learning_events')
    .values(rows)
    .onConflict((c) => c.columns(['organization_id', 'source', 'external_id']).doNothing())
    .returning(['id', 'source', 'external_id'])
    .execute();
  for (const row of fresh) {
    ids.set(eventKey(row.source, row.external_id), row.id);
    inserted.add(row.id);
  }
  if (fresh.length < rows.length) {
    const existing = await tx
      .selectFrom('learning_events')
      .select(['id', 'source', 'external_id'])
      .where('organization_id', '=', organizationId)
      .where('external_id', 'in', rows.filter((r) => !ids.has(eventKey(r.source, r.external_id))).map((r) => r.external_id))
      .execute();
    for (const row of existing) if (!ids.has(eventKey(row.source, row.external_id))) ids.set(eventKey(row.source, row.external_id), row.id);
  }
  return { ids, inserted };
}

/** An event by log id; without `organizationId` (a job acting on its own payload) any organisation's. */
export async function findEvent(db: Db, id: string, organizationId?: string): Promise<StoredEvent | undefined> {
  let select = db.selectFrom('learning_events').select(['id', 'organization_id', 'learner_id', 'received_at', 'event']).where('id', '=', id);
  if (organizationId !== undefined) select = select.where('organization_id', '=', organizationId);
  const row = await select.executeTakeFirst();
  return row && { id: row.id, organizationId: row.organization_id, learnerId: row.learner_id, receivedAt: row.received_at, event: row.event as unknown as NormalizedEvent };
}

/** An award or revocation an event caused; `done` once carried out (in the same transaction as the award). */
export interface DecidedTransition {
  badgeClassId: string;
  kind: TransitionKind;
  done: boolean;
  /** The award made or revoked; null when the learner already held the badge from elsewhere. */
  awardId: string | null;
}

export interface Decision {
  eventId: string;
  learnerId: string;
  explanation: EventExplanation;
  transitions: DecidedTransition[];
  createdAt: Date;
}

export async function insertDecision(tx: Db, organizationId: string, decision: Omit<Decision, 'createdAt'>): Promise<void> {
  await tx
    .insertInto('rule_decisions')
    .values({
      event_id: decision.eventId,
      organization_id: organizationId,
      learner_id: decision.learnerId,
      explanation: JSON.stringify(decision.explanation),
      transitions: JSON.stringify(decision.transitions),
    })
    .execute();
}

export async function findDecision(db: Db, eventId: string): Promise<Decision | undefined> {
  const row = await db.selectFrom('rule_decisions').selectAll().where('event_id', '=', eventId).executeTakeFirst();
  return (
    row && {
      eventId: row.event_id,
      learnerId: row.learner_id,
      explanation: row.explanation as unknown as EventExplanation,
      transitions: row.transitions as unknown as DecidedTransition[],
      createdAt: row.created_at,
    }
  );
}

export async function saveTransitions(tx: Db, eventId: string, transitions: readonly DecidedTransition[]): Promise<void> {
  await tx.updateTable('rule_decisions').set({ transitions: JSON.stringify(transitions) }).where('event_id', '=', eventId).execute();
}
