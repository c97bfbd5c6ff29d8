import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { AwardService } from '../awards/service.js';
import type { EventBusConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { BusConsumer } from '../events/openedx/consumer.js';
import { badgesTopic, streamName } from '../events/openedx/wire.js';
import type { JobHandler, JobLogger } from '../jobs/worker.js';
import { version } from '../version.js';
import { busRecorder, type BusRejectionObserver } from './bus-recorder.js';
import { badgeEventPublisher, publishBadgeEventJob } from './bus-publication.js';
import type { EventIngestion } from './ingestion.js';

/** All Laurel processes share one consumer group, so each bus entry is recorded by one of them. */
const consumerGroup = 'laurel';
/**
 * Entries read and recorded at once. A backlog is recorded in large transactions (one commit and
 * one `events.process` job per batch); a blocking read returns what has arrived, so a trickle of
 * events still goes through one by one without waiting for a batch to fill.
 */
const readBatchSize = 500;
/**
 * Batches recorded at once: each locks its learners after the one before and commits after it,
 * so while one commits the next is already writing.
 */
const batchesInFlight = 3;
/** The CloudEvents source of what Laurel publishes (upstream services use `openedx/<service>/web`). */
const laurelSource = 'openedx/laurel/web';

/** The Open edX event bus as the job-running processes use it: consume learning events, publish badge events. */
export interface OpenedxBus {
  jobHandlers: Record<string, JobHandler>;
  /**
   * Starts consuming; `consumer` names this process within the group, `recorded` wakes its job
   * worker, and entries another consumer read but left unacknowledged for `claimIdleMs` are taken over.
   */
  startConsuming(options: { consumer: string; claimIdleMs: number; log: JobLogger; recorded: () => void }): Promise<void>;
  /** Finishes the batch in hand (recorded and acknowledged); call before the database closes. */
  stopConsuming(): Promise<void>;
  /** Closes the Redis connection; call after the job worker stopped (publication jobs use it). */
  close(): Promise<void>;
}

export function createOpenedxBus(options: {
  config: EventBusConfig;
  db: Db;
  ingestion: EventIngestion;
  awards: AwardService;
  publicUrl: string;
  observer?: BusRejectionObserver;
}): OpenedxBus {
  const { config } = options;
  const stream = streamName(badgesTopic, config.prefix);
  let connection: Promise<Redis> | undefined;
  // Opened on first use (and ioredis loaded only then): a process that never touches the bus pays nothing.
  const redis = () =>
    (connection ??= import('ioredis').then(({ Redis }) => {
      // ioredis reconnects by itself. A command waits for one reconnection attempt (at most about
      // 5 s) rather than twenty (over a minute), so during an outage publications fail and retry
      // as jobs instead of holding worker slots, and the consumer reports the outage promptly.
      const client = new Redis(config.url, { maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      return client;
    }));
  let consumer: BusConsumer | undefined;
  return {
    jobHandlers: {
      [publishBadgeEventJob]: badgeEventPublisher({
        db: options.db,
        awards: options.awards,
        publicUrl: options.publicUrl,
        redis,
        producer: { stream, source: laurelSource, sourcehost: hostname(), sourcelib: `laurel/${version}`, maxLen: config.maxLen },
      }),
    },
    async startConsuming({ consumer: name, claimIdleMs, log, recorded }) {
      let failures = 0;
      consumer = new BusConsumer({
        redis: await redis(),
        stream,
        group: consumerGroup,
        consumer: name,
        batchSize: readBatchSize,
        batchesInFlight,
        claimIdleMs,
        record: busRecorder({
          db: options.db,
          ingestion: options.ingestion,
          organizationId: config.organizationId,
          stream,
          ownSource: laurelSource,
          log,
          observer: options.observer,
          recorded,
        }),
        // When the trouble starts and then every 60th attempt in a row, not on every retry.
        onError: (error) => {
          failures += 1;
          if (failures % 60 === 1) log.error({ err: error, stream, failures }, 'event bus: consuming failed; retrying');
        },
        onRecovered: (failed) => {
          failures = 0;
          log.info({ stream, failedAttempts: failed }, 'event bus: consuming again');
        },
      });
      await consumer.start();
      log.info({ stream, group: consumerGroup, consumer: name }, 'event bus: consuming');
    },
    async stopConsuming() {
      await consumer?.stop();
    },
    async close() {
      if (connection) (await connection).disconnect();
    },
  };
}
