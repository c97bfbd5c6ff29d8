import { systemContext } from '../auth/principal.js';
import type { Db } from '../db/database.js';
import type { NormalizedEvent } from '../events/event.js';
import type { DecodedMessage } from '../events/openedx/wire.js';
import type { JobLogger } from '../jobs/worker.js';
import type { EventIngestion } from './ingestion.js';
import { RecordingSequence } from './recording-sequence.js';
import { recordRejectedMessages, type RejectedMessage } from './rejected-event-store.js';

/** Hears how many bus messages were newly rejected (for metrics). */
export interface BusRejectionObserver {
  busMessagesRejected(count: number): void;
}

export interface BusRecorderOptions {
  db: Db;
  ingestion: EventIngestion;
  organizationId: string;
  /** The stream consumed: rejected messages are stored by stream and entry id. */
  stream: string;
  /** The CloudEvents source Laurel publishes under: its own badge events come back on the stream. */
  ownSource: string;
  log: JobLogger;
  observer?: BusRejectionObserver;
  /** Called after accepted events were recorded, so a worker evaluates them without waiting for its poll. */
  recorded: () => void;
}

/**
 * The `record` callback of the bus consumer: records a batch through the same ingestion as the
 * HTTP API, for the bus organisation. It resolves only once the events are durable, so the
 * consumer acknowledges after that; batches handed over before the last one settled are recorded
 * in the order they came (`RecordingSequence`). Messages that cannot be recorded (undecodable, unknown type,
 * data not matching the schema) are stored with their stream entry id and reason, counted and
 * logged, and acknowledged with the batch, so the stream keeps flowing. Laurel's own badge events
 * coming back are skipped: they are in the event log already.
 */
export function busRecorder(options: BusRecorderOptions): (batch: readonly DecodedMessage[], previous: Promise<unknown> | undefined) => Promise<void> {
  const context = systemContext(options.organizationId, 'event-bus');
  // The consumer records the next batch while the one before still commits: in stream order.
  const sequence = new RecordingSequence();
  return async (batch, previous) => {
    const turn = sequence.next(previous);
    const accepted: { streamId: string; event: NormalizedEvent }[] = [];
    const rejected: RejectedMessage[] = [];
    const reject = (streamEntryId: string, reason: string, details: { type?: string; source?: string; id?: string }) =>
      rejected.push({ stream: options.stream, streamEntryId, type: details.type, source: details.source, externalId: details.id, reason });
    for (const message of batch) {
      if (message.status === 'rejected') reject(message.streamId, message.reason, message.headers);
      else if (message.event.source !== options.ownSource) accepted.push({ streamId: message.streamId, event: message.event });
    }
    const receipts = accepted.length > 0 ? await options.ingestion.record(context, accepted.map((a) => a.event), { turn }) : await turn.pass().then(() => []);
    receipts.forEach((receipt, index) => {
      const { streamId, event } = accepted[index]!;
      if (receipt.status === 'rejected') reject(streamId, receipt.reason, event);
    });
    const stored = await recordRejectedMessages(options.db, options.organizationId, rejected);
    if (stored > 0) options.observer?.busMessagesRejected(stored);
    for (const r of rejected) options.log.warn({ streamId: r.streamEntryId, type: r.type, id: r.externalId, reason: r.reason }, 'event bus: message rejected');
    if (receipts.some((receipt) => receipt.status === 'accepted')) options.recorded();
  };
}
