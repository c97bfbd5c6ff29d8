import type { OperationContext } from '../auth/principal.js';
import { inTransaction, type Db } from '../db/database.js';
import type { NormalizedEvent } from '../events/event.js';
import type { EventTypeRegistry } from '../events/registry.js';
import { enqueue } from '../jobs/queue.js';
import { appendEvents, eventKey } from './event-store.js';
import { upsertLearners, learnerKey } from './learner-store.js';

/** Job kind that evaluates recorded events against the organisation's active rules. */
export const processEventsJob = 'events.process';

export interface ProcessEventsPayload {
  eventIds: string[];
}

/** An event as platforms send it: the normalised shape, with the learner's e-mail required. */
export type IncomingEvent = NormalizedEvent & { user: { email: string } };

export type EventReceipt =
  | { id: string; source: string; status: 'accepted' | 'duplicate'; eventId: string }
  | { id: string; source: string; status: 'rejected'; reason: string };

/**
 * Records learning events. Valid events, their learners and the job that will evaluate them are
 * written in one transaction (outbox): once the caller hears `accepted`, the event is durable and
 * will be processed. A second copy of an event (same source and id, in this batch or earlier) is
 * `duplicate` and changes nothing. Invalid events are `rejected` with the reason and not stored,
 * so a corrected copy can be sent with the same id.
 */
export class EventIngestion {
  constructor(private readonly options: { db: Db; registry: EventTypeRegistry }) {}

  async record(context: OperationContext, events: readonly IncomingEvent[]): Promise<EventReceipt[]> {
    const rejections = new Map<number, string>();
    const firstOfKey = new Map<string, number>();
    events.forEach((event, index) => {
      const problems = this.options.registry.resolve(event.type).validateData(event.data);
      if (problems.length > 0) rejections.set(index, `invalid data for ${event.type}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
      else if (!firstOfKey.has(eventKey(event.source, event.id))) firstOfKey.set(eventKey(event.source, event.id), index);
    });
    const valid = [...firstOfKey.values()].map((index) => events[index]!);

    const { ids, inserted } = await inTransaction(this.options.db, async (tx) => {
      const learners = await upsertLearners(
        tx,
        context.organizationId,
        valid.map((e) => ({ source: e.source, externalId: e.user.id, email: e.user.email, name: e.user.name, username: e.user.username, at: new Date(e.time) })),
      );
      const appended = await appendEvents(
        tx,
        context.organizationId,
        valid.map((event) => ({ event, learnerId: learners.get(learnerKey(event.source, event.user.id))! })),
      );
      // In the order received: a learner's events are evaluated in the order the platform sent them.
      const eventIds = valid.map((e) => appended.ids.get(eventKey(e.source, e.id))!).filter((id) => appended.inserted.has(id));
      if (eventIds.length > 0) await enqueue(tx, processEventsJob, { eventIds } satisfies ProcessEventsPayload, { organizationId: context.organizationId });
      return appended;
    });

    return events.map((event, index): EventReceipt => {
      const reason = rejections.get(index);
      if (reason !== undefined) return { id: event.id, source: event.source, status: 'rejected', reason };
      const eventId = ids.get(eventKey(event.source, event.id))!;
      const isNew = firstOfKey.get(eventKey(event.source, event.id)) === index && inserted.has(eventId);
      return { id: event.id, source: event.source, status: isNew ? 'accepted' : 'duplicate', eventId };
    });
  }
}
