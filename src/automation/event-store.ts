import { sql, type Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { LearningEventsTable, RuleDecisionsTable } from '../db/schema.js';
import type { NormalizedEvent } from '../events/event.js';
import { newId } from '../kernel/ids.js';
import { explanationWithoutMatches, type EventExplanation, type TransitionKind } from '../rules/index.js';
import { processEventsIdsField, processEventsJob } from './process-events-job.js';
import { idsBySourceKey, sourceKey } from './source-keys.js';

/** An event of the log, with the learner it was recorded for. */
export interface StoredEvent {
  id: string;
  organizationId: string;
  learnerId: string;
  receivedAt: Date;
  event: NormalizedEvent;
  /** For Laurel's own badge events: the event whose processing made the award, if any. */
  causedBy: string | null;
  /** 0 for events from elsewhere; for a badge event, one more than the event that caused it (1 without one). */
  depth: number;
}

export interface NewEvent {
  learnerId: string;
  event: NormalizedEvent;
  causedBy?: string | null;
  depth?: number;
  /**
   * Given when the event concerns no active rule (`skippedWhollyByIndex`): it is recorded decided,
   * with this count as its explanation, and no decision row.
   */
  skippedByIndex?: number;
}

/** What `appendEvents` did with the events it was given. */
export interface Appended<T extends NewEvent> {
  /** The log id of every event given, new or not, by `sourceKey(source, id)`. */
  ids: Map<string, string>;
  /** When each new event was recorded, by log id. */
  inserted: Map<string, Date>;
  /** The new events, in the order given, with their log ids and recording times. */
  added: (T & { id: string; receivedAt: Date })[];
}

/** Appends events to the log; an event whose (source, id) is already there is left alone. */
export async function appendEvents<T extends NewEvent>(tx: Db, organizationId: string, events: readonly T[]): Promise<Appended<T>> {
  const ids = new Map<string, string>();
  const inserted = new Map<string, Date>();
  if (events.length === 0) return { ids, inserted, added: [] };
  const rows = events.map(({ learnerId, event, causedBy, depth, skippedByIndex }) => ({
    id: newId('learningEvent'),
    source: event.source,
    external_id: event.id,
    type: event.type,
    time: event.time,
    learner_id: learnerId,
    event,
    caused_by: causedBy ?? null,
    depth: depth ?? 0,
    skipped_by_index: skippedByIndex ?? null,
  }));
  // The rows travel as one JSON parameter: one short statement, parsed and planned once.
  const { rows: fresh } = await sql<{ id: string; source: string; external_id: string; received_at: Date }>`
    insert into learning_events (id, organization_id, source, external_id, type, time, learner_id, event, caused_by, depth, skipped_by_index)
    select id, ${organizationId}, source, external_id, type, time, learner_id, event, caused_by, depth, skipped_by_index
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as e(id text, source text, external_id text, type text, time timestamptz, learner_id text, event jsonb, caused_by text, depth integer, skipped_by_index integer)
    on conflict (organization_id, source, external_id) do nothing
    returning id, source, external_id, received_at`.execute(tx);
  for (const row of fresh) {
    ids.set(sourceKey(row.source, row.external_id), row.id);
    inserted.set(row.id, row.received_at);
  }
  if (fresh.length < rows.length) {
    const known = rows.filter((r) => !ids.has(sourceKey(r.source, r.external_id))).map((r) => ({ source: r.source, externalId: r.external_id }));
    for (const [key, id] of await idsBySourceKey(tx, 'learning_events', organizationId, known)) ids.set(key, id);
  }
  const unlisted = new Set(inserted.keys());
  const added = events.flatMap((given) => {
    const id = ids.get(sourceKey(given.event.source, given.event.id))!;
    // A second copy in the same call is not new: only the first takes the id off the list.
    return unlisted.delete(id) ? [{ ...given, id, receivedAt: inserted.get(id)! }] : [];
  });
  return { ids, inserted, added };
}

const storedEventColumns = ['id', 'organization_id', 'learner_id', 'received_at', 'event', 'caused_by', 'depth'] as const;

type StoredEventRow = Pick<Selectable<LearningEventsTable>, (typeof storedEventColumns)[number]>;

const toStoredEvent = (row: StoredEventRow): StoredEvent => ({
  id: row.id,
  organizationId: row.organization_id,
  learnerId: row.learner_id,
  receivedAt: row.received_at,
  event: row.event as unknown as NormalizedEvent,
  causedBy: row.caused_by,
  depth: row.depth,
});

/** An event by log id; without `organizationId` (a job acting on its own payload) any organisation's. */
export async function findEvent(db: Db, id: string, organizationId?: string): Promise<StoredEvent | undefined> {
  let select = db.selectFrom('learning_events').select(storedEventColumns).where('id', '=', id);
  if (organizationId !== undefined) select = select.where('organization_id', '=', organizationId);
  const row = await select.executeTakeFirst();
  return row && toStoredEvent(row);
}

/** Events by log id, any organisation's (a job acting on its own payload); missing ones are left out. */
export async function findEvents(db: Db, ids: readonly string[]): Promise<Map<string, StoredEvent>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('learning_events').select(storedEventColumns).where(sql<boolean>`id = any(${[...ids]})`).execute();
  return new Map(rows.map((row) => [row.id, toStoredEvent(row)]));
}

/**
 * How far back the order check looks for a learner's undecided events: an older undecided event
 * belongs to a job that keeps failing, and is not waited for.
 */
export const orderWindowMs = 60_000;

/**
 * Which of these learners' latest event recorded in [`since`, `before`) is not decided yet,
 * leaving out the events `excluding` names (a recording transaction's own). Only the latest is
 * looked at (one index probe per learner): events are decided in order, so when it is decided, so
 * are the ones before it — except events recorded decided because they concern no rule, which
 * are passed over. Without `before`, every event committed so far counts (the database's clock at
 * the query, not the transaction's start).
 */
export async function learnersWithUndecidedEvents(
  db: Db,
  query: { learnerIds: readonly string[]; since: Date; before?: Date; excluding?: readonly string[] },
): Promise<Set<string>> {
  if (query.learnerIds.length === 0) return new Set();
  const before = query.before ?? sql`clock_timestamp()`;
  const { rows } = await sql<{ learner_id: string }>`
    select learner.id as learner_id
    from unnest(${[...query.learnerIds]}::text[]) as learner(id)
    cross join lateral (
      select e.id from learning_events e
      where e.learner_id = learner.id and e.received_at >= ${query.since} and e.received_at < ${before} and e.id <> all(${query.excluding ?? []}::text[])
        and e.skipped_by_index is null
      order by e.received_at desc, e.id desc
      limit 1
    ) as latest
    where not exists (select 1 from rule_decisions d where d.event_id = latest.id)`.execute(db);
  return new Set(rows.map((row) => row.learner_id));
}

/**
 * Which of these learners have an event recorded since `since` in an `events.process` job still
 * to finish (pending or running, or failed since `since`) — the same learners as
 * `learnersWithUndecidedEvents` finds for a recording (see `processEventsJob`). Asked of the few queued jobs instead of
 * one index probe per learner, it is far cheaper while the queue is short; with more than
 * `maxJobs` queued it answers undefined and the caller probes per learner.
 */
export async function learnersWithQueuedEvents(
  db: Db,
  query: { organizationId: string; learnerIds: readonly string[]; since: Date; maxJobs: number },
): Promise<Set<string> | undefined> {
  if (query.learnerIds.length === 0) return new Set();
  const { rows } = await sql<{ jobs: number; learners: string[] }>`
    with queued as (
      select payload from jobs
      where organization_id = ${query.organizationId} and kind = ${processEventsJob}
        and (status in ('pending', 'running') or (status = 'failed' and finished_at >= ${query.since}))
      limit ${query.maxJobs + 1})
    select (select count(*)::int from queued) as jobs,
      array(
        select distinct e.learner_id
        from queued cross join jsonb_array_elements_text(queued.payload -> ${processEventsIdsField}::text) as listed(event_id)
        join learning_events e on e.id = listed.event_id
        where e.learner_id = any(${[...query.learnerIds]}::text[]) and e.received_at >= ${query.since}) as learners`.execute(db);
  const [row] = rows;
  return row && row.jobs <= query.maxJobs ? new Set(row.learners) : undefined;
}

/**
 * Whether the event under `alias` (a `learning_events` row) is decided: recorded decided because it
 * concerns no rule, or with its decision row.
 */
export const isDecided = (alias: string) =>
  sql<boolean>`(${sql.ref(alias)}.skipped_by_index is not null or exists (select 1 from rule_decisions d where d.event_id = ${sql.ref(alias)}.id))`;

/** A learner's events, newest first, each with whether it has been evaluated; `after` is the last id of the previous page. */
export async function listLearnerEvents(
  db: Db,
  organizationId: string,
  learnerId: string,
  query: { after?: string; limit: number },
): Promise<{ items: (StoredEvent & { processed: boolean })[]; nextCursor: string | null }> {
  let select = db
    .selectFrom('learning_events')
    .select(storedEventColumns)
    .select(isDecided('learning_events').as('processed'))
    .where('organization_id', '=', organizationId)
    .where('learner_id', '=', learnerId);
  if (query.after) select = select.where('id', '<', query.after);
  const rows = await select.orderBy('id', 'desc').limit(query.limit + 1).execute();
  const items = rows.slice(0, query.limit).map((row) => ({ ...toStoredEvent(row), processed: Boolean(row.processed) }));
  return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
}

/** An award or revocation an event caused; `done` once carried out (in the same transaction as the award). */
export interface DecidedTransition {
  badgeClassId: string;
  kind: TransitionKind;
  done: boolean;
  /** The award made or revoked; null when the learner already held the badge from elsewhere. */
  awardId: string | null;
  /**
   * Why the transition is not carried out as decided: while not done, what it waits for (an
   * e-mail for the learner); once done, why nothing was awarded after all.
   */
  note?: string;
}

/** The rules' explanation; `halted` says why the event was not evaluated at all. */
export type DecisionExplanation = EventExplanation & { halted?: string };

export interface Decision {
  eventId: string;
  learnerId: string;
  explanation: DecisionExplanation;
  transitions: DecidedTransition[];
  createdAt: Date;
}

const isWaiting = (transitions: readonly DecidedTransition[]) => transitions.some((t) => !t.done && t.note !== undefined);

export async function insertDecision(tx: Db, organizationId: string, decision: Omit<Decision, 'createdAt'>): Promise<void> {
  await insertDecisions(tx, [{ organizationId, decision }]);
}

/** Records decisions (of any organisations) in one statement; the rows travel as one JSON parameter. */
export async function insertDecisions(tx: Db, decisions: readonly { organizationId: string; decision: Omit<Decision, 'createdAt'> }[]): Promise<void> {
  if (decisions.length === 0) return;
  const rows = decisions.map(({ organizationId, decision }) => ({
    event_id: decision.eventId,
    organization_id: organizationId,
    learner_id: decision.learnerId,
    explanation: decision.explanation,
    transitions: decision.transitions,
    waiting: isWaiting(decision.transitions),
  }));
  await sql`
    insert into rule_decisions (event_id, organization_id, learner_id, explanation, transitions, waiting)
    select event_id, organization_id, learner_id, explanation, transitions, waiting
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as d(event_id text, organization_id text, learner_id text, explanation jsonb, transitions jsonb, waiting boolean)`.execute(tx);
}

type DecisionRow = Pick<Selectable<RuleDecisionsTable>, 'event_id' | 'learner_id' | 'explanation' | 'transitions' | 'created_at'>;

const toDecision = (row: DecisionRow): Decision => ({
  eventId: row.event_id,
  learnerId: row.learner_id,
  explanation: row.explanation as unknown as DecisionExplanation,
  transitions: row.transitions as unknown as DecidedTransition[],
  createdAt: row.created_at,
});

/** A decision row, or (`skipped_by_index` set) an event recorded decided: no rule concerned it. */
type DecisionOrUnconcernedRow = DecisionRow & { skipped_by_index: number | null; external_id: string | null; type: string | null };

const decisionOf = (row: DecisionOrUnconcernedRow): Decision =>
  row.skipped_by_index === null
    ? toDecision(row)
    : {
        eventId: row.event_id,
        learnerId: row.learner_id,
        explanation: explanationWithoutMatches({ id: row.external_id!, type: row.type! }, row.skipped_by_index),
        transitions: [],
        createdAt: row.created_at,
      };

export async function findDecision(db: Db, eventId: string): Promise<Decision | undefined> {
  return (await findDecisions(db, [eventId])).get(eventId);
}

/**
 * The decisions taken so far for these events, by event id: their decision rows, and for events
 * recorded decided (they concern no rule) the decision that says so, made when they were recorded.
 */
export async function findDecisions(db: Db, eventIds: readonly string[]): Promise<Map<string, Decision>> {
  if (eventIds.length === 0) return new Map();
  const ids = [...eventIds];
  const { rows } = await sql<DecisionOrUnconcernedRow>`
    select event_id, learner_id, explanation, transitions, created_at, null::integer as skipped_by_index, null as external_id, null as type
    from rule_decisions where event_id = any(${ids})
    union all
    select id, learner_id, null, null, received_at, skipped_by_index, external_id, type
    from learning_events where id = any(${ids}) and skipped_by_index is not null`.execute(db);
  return new Map(rows.map((row) => [row.event_id, decisionOf(row)]));
}

export async function saveTransitions(tx: Db, eventId: string, transitions: readonly DecidedTransition[]): Promise<void> {
  await tx.updateTable('rule_decisions').set({ transitions: JSON.stringify(transitions), waiting: isWaiting(transitions) }).where('event_id', '=', eventId).execute();
}

/** The event's transitions as committed, locked until the transaction ends (two jobs may resume one event). */
export async function lockTransitions(tx: Db, eventId: string): Promise<DecidedTransition[]> {
  const row = await tx.selectFrom('rule_decisions').select('transitions').where('event_id', '=', eventId).forUpdate().executeTakeFirstOrThrow();
  return row.transitions as unknown as DecidedTransition[];
}

/** Events of these learners whose decision has an award waiting for the learner's e-mail, oldest first. */
export async function waitingEvents(db: Db, learnerIds: readonly string[]): Promise<{ eventId: string; learnerId: string }[]> {
  if (learnerIds.length === 0) return [];
  const rows = await db
    .selectFrom('rule_decisions')
    .select(['event_id', 'learner_id'])
    // `waiting` written out, not bound, so even a generic plan can use the partial index on it.
    .where(sql<boolean>`waiting and learner_id = any(${[...learnerIds]})`)
    .orderBy('event_id')
    .execute();
  return rows.map((row) => ({ eventId: row.event_id, learnerId: row.learner_id }));
}
