import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { IssuingCatalog } from '../awards/ports.js';
import type { AwardService } from '../awards/service.js';
import type { EventBusConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { BusConsumer } from '../events/openedx/consumer.js';
import { badgesTopic, streamName } from '../events/openedx/wire.js';
import type { JobHandler, JobLogger } from '../jobs/worker.js';
import { version } from '../version.js';
import { busRecorder } from './bus-recorder.js';
import { badgeEventPublisher, publishBadgeEventJob } from './bus-publication.js';
import type { EventIngestion } from './ingestion.js';

/** All Laurel processes share one consumer group, so each bus entry is recorded by one of them. */
const consumerGroup = 'laurel';
/** The CloudEvents source of what Laurel publishes (upstream services use `openedx/<service>/web`). */
const laurelSource = 'openedx/laurel/web';

/** The Open edX event bus as the job-running processes use it: consume learning events, publish badge events. */
export interface OpenedxBus {
  jobHandlers: Record<string, JobHandler>;
  /** Starts consuming; `consumer` names this process within the group, `recorded` wakes its job worker. */
  startConsuming(options: { consumer: string; log: JobLogger; recorded: () => void }): Promise<void>;
  /** Finishes the batch in hand (recorded and acknowledged); call before the database closes. */
  stopConsuming(): Promise<void>;
  /** Closes the Redis connection; call after the job worker stopped (publication jobs use it). */
  close(): Promise<void>;
}

export function createOpenedxBus(options: { config: EventBusConfig; db: Db; ingestion: EventIngestion; awards: AwardService; catalog: IssuingCatalog; publicUrl: string }): OpenedxBus {
  const { config } = options;
  const stream = streamName(badgesTopic, config.prefix);
  let connection: Promise<Redis> | undefined;
  // Opened on first use (and ioredis loaded only then): a process that never touches the bus pays nothing.
  const redis = () =>
    (connection ??= import('ioredis').then(({ Redis }) => {
      const client = new Redis(config.url);
      // ioredis reconnects by itself; failures surface as errors of the commands (failed jobs, consumer onError).
      client.on('error', () => undefined);
      return client;
    }));
  let consumer: BusConsumer | undefined;
  return {
    jobHandlers: {
      [publishBadgeEventJob]: badgeEventPublisher({
        db: options.db,
        awards: options.awards,
        catalog: options.catalog,
        publicUrl: options.publicUrl,
        redis,
        producer: { stream, source: laurelSource, sourcehost: hostname(), sourcelib: `laurel/${version}` },
      }),
    },
    async startConsuming({ consumer: name, log, recorded }) {
      consumer = new BusConsumer({
        redis: await redis(),
        stream,
        group: consumerGroup,
        consumer: name,
        record: busRecorder({ ingestion: options.ingestion, organizationId: config.organizationId, ownSource: laurelSource, log, recorded }),
        onError: (error) => log.error({ err: error, stream }, 'event bus: consuming failed; retrying'),
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
