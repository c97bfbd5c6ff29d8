/**
 * Job queue throughput with trivial jobs, on PostgreSQL (a fresh database) and on PGlite:
 *   enqueue          N jobs in batched INSERTs, no worker running;
 *   claimComplete    one JobWorker draining that backlog (claim, run, batched completion);
 *   endToEnd         N more jobs enqueued in batches while the worker runs (wake() after each),
 *                    from the first INSERT to the last completion.
 */
import { performance } from 'node:perf_hooks';
import type { Db } from '../src/db/database.js';
import { enqueueMany, type NewJob } from '../src/jobs/queue.js';
import { JobWorker } from '../src/jobs/worker.js';
import { freshDatabase } from '../test/support/databases.js';
import { benchPostgresUrl, perSecond, printResult } from './support.js';

interface Settings {
  jobs: number;
  enqueueBatch: number;
  concurrency: number;
}

const settings: Record<'postgres' | 'pglite', Settings> = {
  postgres: { jobs: 30_000, enqueueBatch: 1_000, concurrency: 1_000 },
  pglite: { jobs: 10_000, enqueueBatch: 1_000, concurrency: 1_000 },
};

const trivialJobs = (count: number, offset: number): NewJob[] => Array.from({ length: count }, (_, n) => ({ kind: 'noop', payload: { n: offset + n } }));

async function enqueueAll(db: Db, total: number, batch: number, offset: number, afterBatch?: () => void): Promise<void> {
  for (let sent = 0; sent < total; sent += batch) {
    await enqueueMany(db, trivialJobs(Math.min(batch, total - sent), offset + sent));
    afterBatch?.();
  }
}

async function measure(db: Db, { jobs, enqueueBatch, concurrency }: Settings) {
  let finished = 0;
  let target = 0;
  let reached: () => void = () => undefined;
  const untilFinished = (count: number) =>
    new Promise<void>((resolve) => {
      target = count;
      reached = resolve;
      if (finished >= target) resolve();
    });
  const worker = new JobWorker({
    db,
    concurrency,
    pollIntervalMs: 50,
    handlers: { noop: async () => undefined },
    observer: {
      jobFinished: () => {
        finished += 1;
        if (finished >= target) reached();
      },
    },
  });

  let started = performance.now();
  await enqueueAll(db, jobs, enqueueBatch, 0);
  const enqueueMs = performance.now() - started;

  started = performance.now();
  const drained = untilFinished(jobs);
  await worker.start();
  await drained;
  const claimCompleteMs = performance.now() - started;

  started = performance.now();
  const flowed = untilFinished(2 * jobs);
  await enqueueAll(db, jobs, enqueueBatch, jobs, () => worker.wake());
  await flowed;
  const endToEndMs = performance.now() - started;
  await worker.stop(5_000);

  return {
    jobs,
    enqueueBatch,
    concurrency,
    enqueuePerSecond: perSecond(jobs, enqueueMs),
    claimCompletePerSecond: perSecond(jobs, claimCompleteMs),
    endToEndPerSecond: perSecond(jobs, endToEndMs),
  };
}

async function run(kind: 'postgres' | 'pglite') {
  const opened = await freshDatabase(kind, benchPostgresUrl);
  try {
    return await measure(opened.db, settings[kind]);
  } finally {
    await opened.close();
  }
}

const result: Record<string, unknown> = { target: { postgresEndToEndPerSecond: 5_000 } };
result.postgres = benchPostgresUrl ? await run('postgres') : { skipped: 'set BENCH_DATABASE_URL or TEST_DATABASE_URL' };
result.pglite = await run('pglite');
printResult(result);
