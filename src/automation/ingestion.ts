import type { OperationContext } from '../auth/principal.js';
import { inTransaction, type Db } from '../db/database.js';
import type { NormalizedEvent } from '../events/event.js';
import { openedxTypes } from '../events/openedx/event-types.js';
import type { EventTypeRegistry } from '../events/registry.js';
import { enqueue } from '../jobs/queue.js';
import { laurelBadgeOrigin } from '../rules/index.js';
import { laurelEventSource } from './badge-data.js';
import type { EventTypeRegistries } from './event-type-registries.js';
import { appendEvents, waitingEventIds } from './event-store.js';
import { upsertLearners } from './learner-store.js';
import { sourceKey } from './source-keys.js';

/** Job kind that evaluates recorded events against the organisation's active rules. */
export const processEventsJob = 'events.process';

export interface ProcessEventsPayload {
  eventIds: string[];
}

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
 * Records learning events. Valid events, their learners and the job that will evaluate them are
 * written in one transaction (outbox): once the caller hears `accepted`, the event is durable and
 * will be processed. A second copy of an event (same source and id, in this batch or earlier) is
 * `duplicate` and changes nothing. Invalid events are `rejected` with the reason and not stored,
 * so a corrected copy can be sent with the same id. Events of types nobody registered are generic
 * JSON: any object is accepted.
 */
export class EventIngestion {
  constructor(private readonly options: { db: Db; registries: EventTypeRegistries }) {}

  async record(context: OperationContext, events: readonly NormalizedEvent[]): Promise<EventReceipt[]> {
    const { registry } = await this.options.registries.of(this.options.db, context.organizationId);
    const rejections = new Map<number, string>();
    const firstOfKey = new Map<string, number>();
    events.forEach((event, index) => {
      const reason = rejectionOf(event, registry);
      if (reason !== undefined) rejections.set(index, reason);
      else if (!firstOfKey.has(sourceKey(event.source, event.id))) firstOfKey.set(sourceKey(event.source, event.id), index);
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
        valid.map((event) => ({ event, learnerId: learners.get(sourceKey(event.source, event.user.id))! })),
      );
      // Awards that waited for an e-mail are made now that one arrived, before the new events count.
      const withEmail = valid.filter((e) => e.user.email !== undefined).map((e) => learners.get(sourceKey(e.source, e.user.id))!);
      const waiting = await waitingEventIds(tx, [...new Set(withEmail)]);
      // In the order received: a learner's events are evaluated in the order the platform sent them.
      const fresh = valid.map((e) => appended.ids.get(sourceKey(e.source, e.id))!).filter((id) => appended.inserted.has(id));
      const eventIds = [...waiting, ...fresh];
      if (eventIds.length > 0) await enqueue(tx, processEventsJob, { eventIds } satisfies ProcessEventsPayload, { organizationId: context.organizationId });
      return appended;
    });

    return events.map((event, index): EventReceipt => {
      const reason = rejections.get(index);
      if (reason !== undefined) return { id: event.id, source: event.source, status: 'rejected', reason };
      const eventId = ids.get(sourceKey(event.source, event.id))!;
      const isNew = firstOfKey.get(sourceKey(event.source, event.id)) === index && inserted.has(eventId);
      return { id: event.id, source: event.source, status: isNew ? 'accepted' : 'duplicate', eventId };
    });
  }
}
