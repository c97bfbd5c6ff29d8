import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { badgesTopic, streamName } from '../../src/events/openedx/wire.js';
import { newId } from '../../src/kernel/ids.js';
import { startTestApp, type TestApp } from './app.js';
import { databaseKinds, redisUrl } from './databases.js';

export interface BusApp {
  /** The organisation bus events belong to (create it with this id before use). */
  organizationId: string;
  /** This block's own stream on the test Redis. */
  stream: string;
  /** Set before the block's tests run. */
  app: TestApp;
  redis: Redis;
}

/**
 * A running Laurel (with workers) consuming the Open edX bus from a stream of its own, for the
 * `describe` block that calls it. On the last database kind: PostgreSQL when available.
 */
export function useBusApp(): BusApp {
  const prefix = `test-${randomUUID()}`;
  const bus = { organizationId: newId('organization'), stream: streamName(badgesTopic, prefix) } as BusApp;
  beforeAll(async () => {
    bus.redis = new Redis(redisUrl ?? '');
    const kind = databaseKinds[databaseKinds.length - 1]!;
    bus.app = await startTestApp(kind, { LAUREL_EVENT_BUS_URL: redisUrl ?? '', LAUREL_EVENT_BUS_PREFIX: prefix, LAUREL_EVENT_BUS_ORGANIZATION: bus.organizationId }, { runWorkers: true });
  });
  afterAll(async () => {
    await bus.app?.stop();
    await bus.redis?.del(bus.stream);
    bus.redis?.disconnect();
  });
  return bus;
}
