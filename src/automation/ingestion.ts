import type { OperationContext } from '../auth/principal.js';
import { sql } from 'kysely';
import { inTransaction, type Db } from '../db/database.js';
import type { NormalizedEvent } from '../events/event.js';
import { openedxTypes } from '../events/openedx/event-types.js';
import type { EventTypeRegistry } from '../events/registry.js';
import { enqueue } from '../jobs/queue.js';
import { laurelBadgeOrigin, skippedWhollyByIndex, type RuleIndex } from '../rules/index.js';
import { laurelEventSource } from './badge-data.js';
import type { EventTypeRegistries, OrganizationEventTypes } from './event-type-registries.js';
import { appendEvents, waitingEvents, type StoredEvent } from './event-store.js';
import { upsertLearners } from './learner-store.js';
import { processEventsJob, type ProcessEventsPayload } from './process-events-job.js';
import type { DecisionObserver } from './processor.js';
import { decideWhileRecording } from './recording-decisions.js';
import type { RecordingTurn } from './recording-sequence.js';
import type { RuleIndexCache } from './rule-index-cache.js';
import { sourceKey } from './source-keys.js';

export type EventReceipt =
  | { id: string; source: string; status: 'accepted' | 'duplicate'; eventId: string }
  | { id: string; source: string; status: 'rejected'; reason: string };

const badgeTypes = new Set<string>([openedxTypes.badgeAwarded, openedxTypes.badgeRevoked]);

/** Why an event cannot be recorded, or undefined when it can. */
function rejectionOf(event: NormalizedEvent, registry: EventTypeRegistry): string | undefined {
  // Laurel's own badge events are what badge dependencies trust: nobody else may write them.
  if (event.source === laurelEventSource) return `source "${laurelEventSource}" is reserved for Laurel's own badge events`;
  if (badgeTypes.has(event.type) && (event.data.template as { origin?: unknown } | undefined)?.origin === laurelBadgeOrigin) {
    return `template.origin "${laurelBadgeOrigin}" is reserved for Laurel's own badge events`;
  }
  const problems = registry.resolve(event.type).validateData(event.data);
  if (problems.length > 0) return `invalid data for ${event.type}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`;
  return undefined;
}

/**
 * Records learning events. Valid events, their learners and their decisions — or the job that
 * will take them — are written in one transaction (outbox): once the caller hears `accepted`, the
 * event is durable and will be processed. Most events are decided right there: those that concern
 * no active rule by being recorded so, most others by `decideWhileRecording`; should that fail,
 * they are left to the job. A second copy of an event (same source and id, in this batch or
 * earlier) is `duplicate` and changes nothing. Invalid events are `rejected` with the reason and
 * not stored, so a corrected copy can be sent with the same id. Events of types nobody registered
 * are generic JSON: any object is accepted.
 */
export class EventIngestion {
  constructor(private readonly options: { db: Db; registries: EventTypeRegistries; rules: RuleIndexCache; observer?: DecisionObserver }) {}

  /** `turn` places the recording in a sequence of recordings that must apply in order. */
  async record(context: OperationContext, events: readonly NormalizedEvent[], options: { turn?: RecordingTurn } = {}): Promise<EventReceipt[]> {
    const types = await this.options.registries.of(this.options.db, context.organizationId);
    const rejections = new Map<number, string>();
    const firstOfKey = new Map<string, number>();
    events.forEach((event, index) => {
      const reason = rejectionOf(event, types.registry);
      if (reason !== undefined) rejections.set(index, reason);
      else if (!firstOfKey.has(sourceKey(event.source, event.id))) firstOfKey.set(sourceKey(event.source, event.id), index);
    });
    const valid = [...firstOfKey.values()].map((index) => events[index]!);

    const { turn } = options;
    let recorded: Recorded;
    try {
      recorded = await inTransaction(this.options.db, (tx) => this.#write(tx, context.organizationId, types, valid, turn));
    } finally {
      turn?.settled();
    }
    for (let n = 0; n < recorded.decided; n++) this.options.observer?.eventDecided([]);

    const { ids, inserted } = recorded;
    return events.map((event, index): EventReceipt => {
      const reason = rejections.get(index);
      if (reason !== undefined) return { id: event.id, source: event.source, status: 'rejected', reason };
      const eventId = ids.get(sourceKey(event.source, event.id))!;
      const isNew = firstOfKey.get(sourceKey(event.source, event.id)) === index && inserted.has(eventId);
      return { id: event.id, source: event.source, status: isNew ? 'accepted' : 'duplicate', eventId };
    });
  }

  /** The recording transaction's work; with a turn, it locks and commits in its sequence's order. */
  async #write(tx: Db, organizationId: string, types: OrganizationEventTypes, valid: readonly NormalizedEvent[], turn: RecordingTurn | undefined): Promise<Recorded> {
    await turn?.mayLock();
    const learners = await upsertLearners(
      tx,
      organizationId,
      valid.map((e) => ({ source: e.source, externalId: e.user.id, email: e.user.email, name: e.user.name, username: e.user.username, at: new Date(e.time) })),
    );
    turn?.locked();
    const learnerOf = (event: NormalizedEvent) => learners.get(sourceKey(event.source, event.user.id))!;
    const recorded = await this.#appendAndDecide(tx, organizationId, types, valid, learnerOf);
    if (recorded.deferred.length > 0) await enqueue(tx, processEventsJob, { eventIds: recorded.deferred } satisfies ProcessEventsPayload, { organizationId });
    await turn?.mayCommit();
    return recorded;
  }

  /**
   * Appends the events and decides what can be decided here: events that concern no active rule
   * are recorded decided, and most others are decided by `decideWhileRecording`. Whatever keeps
   * that from working leaves every event to the job (which reports what fails there), as if this
   * had not been tried: recording the events must not depend on it.
   */
  async #appendAndDecide(
    tx: Db,
    organizationId: string,
    types: OrganizationEventTypes,
    valid: readonly NormalizedEvent[],
    learnerOf: (event: NormalizedEvent) => string,
  ): Promise<Recorded> {
    await sql`savepoint deciding`.execute(tx);
    try {
      // The event types just read to validate the events: their fingerprint is not read again.
      const { index } = await this.options.rules.rulesOf(tx, organizationId, types);
      const recorded = await this.#appendWithRules(tx, organizationId, valid, learnerOf, index);
      await sql`release savepoint deciding`.execute(tx);
      return recorded;
    } catch {
      await sql`rollback to savepoint deciding`.execute(tx);
      return this.#appendWithRules(tx, organizationId, valid, learnerOf, undefined);
    }
  }

  /** Appends the events; with the rule index, decides what it can. Without, leaves every new event to the job. */
  async #appendWithRules(tx: Db, organizationId: string, valid: readonly NormalizedEvent[], learnerOf: (event: NormalizedEvent) => string, index: RuleIndex | undefined): Promise<Recorded> {
    const events = valid.map((event) => ({ event, learnerId: learnerOf(event), skippedByIndex: index && skippedWhollyByIndex(index, event) }));
    const { ids, inserted, added } = await appendEvents(tx, organizationId, events);
    // Awards that waited for an e-mail are made now that one arrived, before the new events count.
    const waiting = await waitingEvents(tx, [...new Set(valid.filter((e) => e.user.email !== undefined).map(learnerOf))]);
    // In the order received: a learner's events are evaluated in the order the platform sent them.
    // Those that concern no rule were recorded decided.
    const fresh = added
      .filter((a) => a.skippedByIndex === undefined)
      .map(({ id, learnerId, receivedAt, event }): StoredEvent => ({ id, organizationId, learnerId, receivedAt, event, causedBy: null, depth: 0 }));
    const busy = waiting.map((w) => w.learnerId);
    const { decided, deferred } = index ? await decideWhileRecording(tx, index, organizationId, fresh, busy) : { decided: 0, deferred: fresh.map((stored) => stored.id) };
    return { ids, inserted, decided: added.length - fresh.length + decided, deferred: [...waiting.map((w) => w.eventId), ...deferred] };
  }
}

interface Recorded {
  ids: Map<string, string>;
  inserted: Map<string, Date>;
  /** How many of the new events were decided in the recording transaction. */
  decided: number;
  /** The events left to the `events.process` job. */
  deferred: string[];
}
