import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OpenedDatabase } from '../src/db/database.js';
import { badgesTopic, streamName } from '../src/events/openedx/wire.js';
import { newId } from '../src/kernel/ids.js';
import {
  awardsPerRecipient,
  busCounts,
  busWorkerEnv,
  eventsPerLearner,
  graduateEvents,
  pendingEntries,
  publishedAwards,
  recordingsPerEvent,
  seedGraduateBadge,
} from './support/bus-scenario.js';
import { describeWithPostgres, describeWithRedis, freshDatabase, redisUrl } from './support/databases.js';
import { waitFor } from './support/issuing.js';
import { startLaurel, workerReady } from './support/laurel-process.js';
import { produce } from './support/lms-producer.js';

const learners = 500;
const total = learners * eventsPerLearner;

describeWithPostgres('the Open edX bus consumer killed with SIGKILL mid-stream', () => {
  describeWithRedis('[real laurel worker, PostgreSQL, Redis]', () => {
    const organizationId = newId('organization');
    const prefix = `crash-${randomUUID()}`;
    const stream = streamName(badgesTopic, prefix);
    let opened: OpenedDatabase & { url?: string };
    let redis: Redis;
    let badgeClassId: string;

    beforeAll(async () => {
      opened = await freshDatabase('postgres');
      redis = new Redis(redisUrl!);
      badgeClassId = await seedGraduateBadge(opened.db, organizationId);
    });
    afterAll(async () => {
      await redis?.del(stream);
      redis?.disconnect();
      await opened?.close();
    });

    it('records every event once, awards once and publishes every award once its successor has taken over', { timeout: 240_000 }, async () => {
      // A short lease, so the successor takes over the dead worker's claims within seconds.
      const env = { ...busWorkerEnv(opened.url!, redisUrl!, prefix, organizationId), LAUREL_WORKER_LEASE: '5s' };
      const events = graduateEvents(1, learners);
      const doomed = await startLaurel('worker', env, workerReady);
      // The LMS keeps producing, 20 events every 100 ms, whether or not Laurel is up.
      const producing = (async () => {
        for (let sent = 0; sent < total; sent += 20) {
          await produce(redis, stream, events.slice(sent, sent + 20));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      await waitFor(() => busCounts(opened.db), (counts) => counts.decisions >= total / 5, 60_000);
      doomed.child.kill('SIGKILL');
      expect(await doomed.exited).toBeNull();
      const atKill = await busCounts(opened.db);
      expect(atKill.events).toBeLessThan(total);
      expect(atKill.decisions).toBeLessThan(total);
      expect(atKill.awards).toBeGreaterThan(0);

      await producing;
      const successor = await startLaurel('worker', env, workerReady);
      // The dead worker's claimed jobs come back when their lease (5 s) runs out, and stream
      // entries it read but did not acknowledge are claimed once idle as long.
      const settled = await waitFor(
        async () => ({ counts: await busCounts(opened.db), pending: await pendingEntries(redis, stream) }),
        ({ counts, pending }) => counts.decisions === total && counts.unfinishedJobs === 0 && pending === 0,
        200_000,
      );
      const published = await waitFor(() => publishedAwards(redis, stream), (byAward) => byAward.size >= learners, 30_000);
      expect(await successor.stop()).toBe(0);

      expect(settled.counts).toEqual({ events: total, decisions: total, awards: learners, unfinishedJobs: 0, failedJobs: 0 });
      const recordings = await recordingsPerEvent(opened.db);
      expect(recordings.size).toBe(total);
      expect([...recordings.values()].filter((times) => times !== 1)).toEqual([]);

      const awards = await awardsPerRecipient(opened.db, badgeClassId);
      expect(awards.size).toBe(learners);
      expect([...awards.values()].filter((ids) => ids.length !== 1)).toEqual([]);

      // Publication is at least once with a fixed event id: a copy, if any, repeats the same id.
      expect([...published.keys()].sort()).toEqual([...awards.values()].flat().sort());
      expect([...published.values()].filter((eventIds) => new Set(eventIds).size !== 1)).toEqual([]);
      expect(settled.pending).toBe(0);
    });
  });
});
