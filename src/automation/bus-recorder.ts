import type { OperationContext } from '../auth/principal.js';
import type { DecodedMessage } from '../events/openedx/wire.js';
import type { JobLogger } from '../jobs/worker.js';
import type { EventIngestion, IncomingEvent } from './ingestion.js';

export interface BusRecorderOptions {
  ingestion: EventIngestion;
  organizationId: string;
  /** The CloudEvents source Laurel publishes under: its own badge events come back on the stream. */
  ownSource: string;
  log: JobLogger;
  /** Called after accepted events were recorded, so a worker evaluates them without waiting for its poll. */
  recorded: () => void;
}

type Sorted = { streamId: string; event: IncomingEvent } | { streamId: string; reason: string; type?: string; id?: string } | null;

/** Accepted messages Laurel can record; rejections with their reason; `null` for Laurel's own echoes. */
function sort(message: DecodedMessage, ownSource: string): Sorted {
  const { streamId } = message;
  if (message.status === 'rejected') return { streamId, reason: message.reason, type: message.headers.type, id: message.headers.id };
  const { event } = message;
  // Laurel's own awarded/revoked events: recording them would create shadow learners under Laurel's source.
  if (event.source === ownSource) return null;
  // A learner is stored with an e-mail (awards go to it); the grade summary event carries none.
  const email = event.user.email;
  if (email === undefined) return { streamId, reason: `${event.type} names no e-mail for user ${event.user.id}`, type: event.type, id: event.id };
  return { streamId, event: { ...event, user: { ...event.user, email } } };
}

/**
 * The `record` callback of the bus consumer: records a batch through the same ingestion as the
 * HTTP API, for the bus organisation. It resolves only once the events are durable, so the
 * consumer acknowledges after that. Rejected messages are logged with their entry id and reason
 * (there is no table for them) and acknowledged with the batch, so the stream keeps flowing.
 */
export function busRecorder(options: BusRecorderOptions): (batch: readonly DecodedMessage[]) => Promise<void> {
  const context: OperationContext = { organizationId: options.organizationId, actor: { type: 'system', id: 'event-bus' }, requestId: null, role: null };
  const reject = (streamId: string, reason: string, details: { type?: string; id?: string }) =>
    options.log.warn({ streamId, ...details, reason }, 'event bus: message rejected');
  return async (batch) => {
    const accepted: { streamId: string; event: IncomingEvent }[] = [];
    for (const sorted of batch.map((message) => sort(message, options.ownSource))) {
      if (sorted === null) continue;
      if ('event' in sorted) accepted.push(sorted);
      else reject(sorted.streamId, sorted.reason, { type: sorted.type, id: sorted.id });
    }
    if (accepted.length === 0) return;
    const receipts = await options.ingestion.record(context, accepted.map((a) => a.event));
    receipts.forEach((receipt, index) => {
      if (receipt.status === 'rejected') reject(accepted[index]!.streamId, receipt.reason, { type: accepted[index]!.event.type, id: receipt.id });
    });
    if (receipts.some((receipt) => receipt.status === 'accepted')) options.recorded();
  };
}
