import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OpenedDatabase } from '../src/db/database.js';
import { badgesTopic, streamName } from '../src/events/openedx/wire.js';
import { newId } from '../src/kernel/ids.js';
import { awardsPerRecipient, busCounts, busWorkerEnv, eventsPerLearner, graduateEvents, pendingEntries, publishedAwards, seedGraduateBadge } from './support/bus-scenario.js';
import { describeWithPostgres, describeWithRedis, freshDatabase } from './support/databases.js';
import { waitFor } from './support/issuing.js';
import { startLaurel, workerReady, type LaurelProcess } from './support/laurel-process.js';
import { produce } from './support/lms-producer.js';

const learnersPerRound = 50;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A private redis-server with the append-only file on, so its data survives a restart. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''], { stdio: 'ignore' });
  const client = new Redis({ port, lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
  client.on('error', () => undefined);
  await client.ping();
  client.disconnect();
  return server;
}

describeWithPostgres('the Open edX bus across a Redis restart', () => {
  describeWithRedis('[real laurel worker, PostgreSQL, private redis-server]', () => {
    const organizationId = newId('organization');
    const prefix = `restart-${randomUUID()}`;
    const stream = streamName(badgesTopic, prefix);
    const dir = mkdtempSync(join(tmpdir(), 'laurel-redis-'));
    let opened: OpenedDatabase & { url?: string };
    let port: number;
    let redisServer: ChildProcess | undefined;
    let redis: Redis;
    let worker: LaurelProcess | undefined;
    let badgeClassId: string;

    beforeAll(async () => {
      opened = await freshDatabase('postgres');
      badgeClassId = await seedGraduateBadge(opened.db, organizationId);
      port = await freePort();
      redisServer = await startRedis(port, dir);
      redis = new Redis({ port, maxRetriesPerRequest: null });
      redis.on('error', () => undefined);
    });
    afterAll(async () => {
      await worker?.stop('SIGKILL');
      redis?.disconnect();
      redisServer?.kill('SIGKILL');
      await opened?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const settledAfter = (learners: number) =>
      waitFor(
        async () => ({ counts: await busCounts(opened.db), pending: await pendingEntries(redis, stream), published: (await publishedAwards(redis, stream)).size }),
        ({ counts, pending, published }) => counts.decisions === learners * eventsPerLearner && counts.unfinishedJobs === 0 && pending === 0 && published === learners,
        60_000,
      );

    it('reconnects by itself, keeps its place in the stream and processes what comes after', { timeout: 180_000 }, async () => {
      const env = { ...busWorkerEnv(opened.url!, `redis://127.0.0.1:${port}`, prefix, organizationId), LAUREL_LOG_LEVEL: 'info' };
      worker = await startLaurel('worker', env, workerReady);
      const logged = (message: string) => worker!.lines.filter((line) => line.includes(`"msg":"${message}"`)).length;
      await produce(redis, stream, graduateEvents(1, learnersPerRound));
      const before = await settledAfter(learnersPerRound);
      expect(before.counts.awards).toBe(learnersPerRound);

      // SIGTERM: Redis writes its append-only file and exits; the stream and the group are on disk.
      redisServer!.kill('SIGTERM');
      await once(redisServer!, 'exit');
      // The outage is logged once, not on every retry.
      await waitFor(async () => logged('event bus: consuming failed; retrying'), (count) => count > 0, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(logged('event bus: consuming failed; retrying')).toBe(1);

      redisServer = await startRedis(port, dir);
      await waitFor(async () => logged('event bus: consuming again'), (count) => count > 0, 30_000);
      expect(logged('event bus: consuming again')).toBe(1);
      await produce(redis, stream, graduateEvents(1 + learnersPerRound, learnersPerRound));
      const after = await settledAfter(2 * learnersPerRound);
      expect(after.counts).toEqual({ events: 2 * learnersPerRound * eventsPerLearner, decisions: 2 * learnersPerRound * eventsPerLearner, awards: 2 * learnersPerRound, unfinishedJobs: 0, failedJobs: 0 });
      expect(after.pending).toBe(0);
      const awards = await awardsPerRecipient(opened.db, badgeClassId);
      expect([...awards.values()].every((ids) => ids.length === 1)).toBe(true);
      expect([...(await publishedAwards(redis, stream)).keys()].sort()).toEqual([...awards.values()].flat().sort());
      expect(await worker.stop()).toBe(0);
    });
  });
});
