import { sql, type KyselyPlugin } from 'kysely';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { createOrganization, manualClock, recordingLogger, waitFor } from '../../test/fixtures/jobs.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { PermanentJobError, RetryLaterError } from './errors.js';
import { enqueue, enqueueMany, getJob, liveWorkers, retryJob, type Job } from './queue.js';
import { JobWorker, type JobContext, type JobOutcome, type JobWorkerOptions } from './worker.js';

describeEachDatabase('job worker', (db) => {
  let org: string;
  const workers: JobWorker[] = [];
  let outcomes: Array<[string, JobOutcome]>;

  function startWorker(options: Partial<JobWorkerOptions> & Pick<JobWorkerOptions, 'handlers'>): Promise<JobWorker> {
    const worker = new JobWorker({
      db: db(),
      concurrency: 4,
      pollIntervalMs: 20,
      observer: { jobFinished: (kind, outcome) => outcomes.push([kind, outcome]) },
      ...options,
    });
    workers.push(worker);
    return worker.start().then(() => worker);
  }

  async function job(id: string): Promise<Job> {
    const found = await getJob(db(), org, id);
    if (!found) throw new Error(`job ${id} not found`);
    return found;
  }

  async function effects(): Promise<string[]> {
    const { rows } = await sql<{ job_id: string }>`select job_id from job_effects`.execute(db());
    return rows.map((row) => row.job_id).sort();
  }

  beforeAll(async () => {
    org = await createOrganization(db());
    await sql`create table job_effects (job_id text not null, worker_id text)`.execute(db());
  });
  beforeEach(async () => {
    outcomes = [];
    await db().deleteFrom('jobs').execute();
    await db().deleteFrom('workers').execute();
    await sql`delete from job_effects`.execute(db());
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop(1_000)));
  });

  it('runs due jobs, leaves future ones alone, and records each done once', async () => {
    const seen: unknown[] = [];
    const ids = await enqueueMany(db(), Array.from({ length: 60 }, (_, n) => ({ kind: 'greet', payload: { n }, organizationId: org })));
    const future = await enqueue(db(), 'greet', { n: 'later' }, { organizationId: org, runAt: new Date(Date.now() + 3_600_000) });
    await startWorker({ concurrency: 8, handlers: { greet: async (j) => void seen.push((j.payload as { n: unknown }).n) } });

    await waitFor('60 jobs done', () => outcomes.length === 60);
    expect(seen.toSorted((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 60 }, (_, n) => n));
    for (const id of ids) expect(await job(id)).toMatchObject({ status: 'done', attempts: 1, lastError: null, finishedAt: expect.any(Date) });
    expect(await job(future)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(outcomes.every(([kind, outcome]) => kind === 'greet' && outcome === 'done')).toBe(true);
  });

  it('claims at once when woken instead of waiting for the next poll', async () => {
    let ran = 0;
    await startWorker({ pollIntervalMs: 60_000, handlers: { ping: async () => void (ran += 1) } });
    const id = await enqueue(db(), 'ping', {}, { organizationId: org });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(ran).toBe(0);
    workers[0]?.wake();
    await waitFor('the woken job', async () => (await job(id)).status === 'done', 2_000);
    expect(ran).toBe(1);
  });

  it('runs the jobs a job enqueued at once, not at the next poll', async () => {
    const ran: string[] = [];
    await startWorker({
      pollIntervalMs: 60_000,
      handlers: {
        chain: async (j) => {
          const { step } = j.payload as { step: number };
          ran.push(`step ${step}`);
          if (step < 3) await enqueue(db(), 'chain', { step: step + 1 }, { organizationId: org });
        },
      },
    });
    await enqueue(db(), 'chain', { step: 1 }, { organizationId: org });
    workers[0]?.wake();
    await waitFor('the whole chain', () => ran.length === 3, 3_000);
    expect(ran).toEqual(['step 1', 'step 2', 'step 3']);
  });

  it('stops at once when asked while a claim is on its way, not after the next poll', async () => {
    const worker = await startWorker({ pollIntervalMs: 60_000, handlers: {} });
    workers.splice(workers.indexOf(worker), 1);
    worker.wake();
    // Let the woken loop send its claim, then stop while the claim is in flight.
    await new Promise((resolve) => setImmediate(resolve));
    const started = Date.now();
    await worker.stop(1_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("commits a handler's transaction and the job's completion together", async () => {
    const good = await enqueue(db(), 'effect', { fail: false }, { organizationId: org });
    const bad = await enqueue(db(), 'effect', { fail: true }, { organizationId: org });
    await startWorker({
      handlers: {
        effect: async (j, ctx) => {
          await ctx.transaction(async (tx) => {
            await sql`insert into job_effects (job_id) values (${j.id})`.execute(tx);
            if ((j.payload as { fail: boolean }).fail) throw new Error('failed after writing');
          });
        },
      },
    });

    await waitFor('both outcomes', () => outcomes.length === 2);
    expect(await effects()).toEqual([good]);
    expect(await job(good)).toMatchObject({ status: 'done', attempts: 1 });
    expect(await job(bad)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'failed after writing' });
    expect(outcomes.map(([, outcome]) => outcome).sort()).toEqual(['done', 'retry']);
  });

  it('rolls back the transaction of a job another worker has taken over', async () => {
    const id = await enqueue(db(), 'stolen', {}, { organizationId: org });
    let failure: unknown;
    await startWorker({
      handlers: {
        stolen: async (j, ctx) => {
          // Another worker reclaims the job (say, this one stalled past its lease).
          await db().updateTable('jobs').set({ locked_by: 'wrk_other' }).where('id', '=', j.id).execute();
          try {
            await ctx.transaction((tx) => sql`insert into job_effects (job_id) values (${j.id})`.execute(tx));
          } catch (error) {
            failure = error;
            throw error;
          }
        },
      },
    });

    await waitFor('the handler to give up', () => failure !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(String(failure)).toMatch(/no longer held by this worker/);
    expect(await effects()).toEqual([]);
    // The new owner's claim is left alone: no retry or failure written over it.
    expect(await job(id)).toMatchObject({ status: 'running', attempts: 1, lastError: null });
    expect((await db().selectFrom('jobs').select('locked_by').where('id', '=', id).executeTakeFirstOrThrow()).locked_by).toBe('wrk_other');
    expect(outcomes).toEqual([]);
  });

  it('retries with backoff until attempts run out, then fails; retryJob brings the job back', async () => {
    let failing = true;
    const id = await enqueue(db(), 'flaky', {}, { organizationId: org, maxAttempts: 3 });
    const clock = manualClock();
    const worker = await startWorker({
      clock,
      backoff: { baseMs: 1_000, maxMs: 10_000 },
      handlers: {
        flaky: async () => {
          if (failing) throw new Error('provider down');
        },
      },
    });

    await waitFor('first attempt', async () => (await job(id)).lastError !== null);
    let current = await job(id);
    expect(current).toMatchObject({ status: 'pending', attempts: 1, lastError: 'provider down' });
    expect(current.runAt.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(500);
    expect(current.runAt.getTime() - clock.now().getTime()).toBeLessThanOrEqual(1_000);

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await job(id)).attempts).toBe(1);

    clock.advance(1_000);
    worker.wake();
    await waitFor('second attempt', async () => (await job(id)).attempts === 2 && outcomes.length === 2);
    current = await job(id);
    expect(current.status).toBe('pending');
    expect(current.runAt.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(1_000);
    expect(current.runAt.getTime() - clock.now().getTime()).toBeLessThanOrEqual(2_000);

    clock.advance(2_000);
    worker.wake();
    await waitFor('the job to fail', async () => (await job(id)).status === 'failed');
    expect(await job(id)).toMatchObject({ attempts: 3, lastError: 'provider down', finishedAt: expect.any(Date) });
    expect(outcomes).toEqual([
      ['flaky', 'retry'],
      ['flaky', 'retry'],
      ['flaky', 'failed'],
    ]);

    failing = false;
    await retryJob(db(), org, id);
    worker.wake();
    await waitFor('the retried job', async () => (await job(id)).status === 'done');
    expect((await job(id)).attempts).toBe(1);
  });

  it('fails at once on a PermanentJobError and waits exactly as long as a RetryLaterError asks', async () => {
    const permanent = await enqueue(db(), 'permanent', {}, { organizationId: org });
    const later = await enqueue(db(), 'later', {}, { organizationId: org });
    const clock = manualClock();
    await startWorker({
      clock,
      handlers: {
        permanent: async () => {
          throw new PermanentJobError('HTTP 400: badge class unknown');
        },
        later: async () => {
          throw new RetryLaterError(7_000, 'HTTP 429');
        },
      },
    });

    await waitFor('both outcomes', () => outcomes.length === 2);
    expect(await job(permanent)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'PermanentJobError: HTTP 400: badge class unknown' });
    expect(await job(later)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'RetryLaterError: HTTP 429' });
    expect((await job(later)).runAt.getTime()).toBe(clock.now().getTime() + 7_000);
  });

  it('fails jobs nobody handles and keeps working', async () => {
    const { entries, logger } = recordingLogger();
    const orphan = await enqueue(db(), 'nobody.handles', {}, { organizationId: org });
    const prototypeKey = await enqueue(db(), 'constructor', {}, { organizationId: org });
    const fine = await enqueue(db(), 'fine', {}, { organizationId: org });
    await startWorker({ logger, handlers: { fine: async () => undefined } });

    await waitFor('three outcomes', () => outcomes.length === 3);
    expect(await job(orphan)).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringContaining('no handler for job kind "nobody.handles"') });
    expect((await job(prototypeKey)).status).toBe('failed');
    expect((await job(fine)).status).toBe('done');
    expect(entries.some((entry) => entry.level === 'error' && entry.message === 'job failed')).toBe(true);
  });

  it("reclaims a dead worker's job once its lease expires, and only then", async () => {
    const [deadWorkers, liveWorkers_, poisonPill] = await enqueueMany(db(), [
      { kind: 'work', payload: {}, organizationId: org },
      { kind: 'work', payload: {}, organizationId: org },
      { kind: 'work', payload: {}, organizationId: org, maxAttempts: 3 },
    ]);
    const clock = manualClock();
    const now = clock.now().getTime();
    const claim = (id: string | undefined, by: string, until: number, attempts: number) =>
      db().updateTable('jobs').set({ status: 'running', locked_by: by, locked_until: new Date(until), attempts }).where('id', '=', id as string).execute();
    await claim(deadWorkers, 'wrk_dead', now - 1, 1);
    await claim(liveWorkers_, 'wrk_alive', now + 60_000, 1);
    await claim(poisonPill, 'wrk_dead', now - 1, 3);
    const ran: string[] = [];
    const worker = await startWorker({ clock, handlers: { work: async (j) => void ran.push(j.id) } });

    await waitFor('the expired claims', () => outcomes.length === 2);
    expect(await job(deadWorkers as string)).toMatchObject({ status: 'done', attempts: 2 });
    expect(await job(poisonPill as string)).toMatchObject({ status: 'failed', attempts: 4, lastError: expect.stringContaining('stopped responding') });
    expect(await job(liveWorkers_ as string)).toMatchObject({ status: 'running', attempts: 1 });
    expect(ran).toEqual([deadWorkers]);

    clock.advance(60_001);
    worker.wake();
    await waitFor('the second lease to expire', async () => (await job(liveWorkers_ as string)).status === 'done');
    expect(ran).toEqual([deadWorkers, liveWorkers_]);
  });

  it('extends the lease of a long job while its worker is alive', async () => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const id = await enqueue(db(), 'long', {}, { organizationId: org });
    await startWorker({ leaseMs: 150, handlers: { long: () => finished } });
    await waitFor('the job to start', async () => (await job(id)).status === 'running');

    let stolen = 0;
    await startWorker({ leaseMs: 150, handlers: { long: async () => void (stolen += 1) } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const row = await db().selectFrom('jobs').select(['status', 'locked_until']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('running');
    expect(row.locked_until?.getTime()).toBeGreaterThan(Date.now());
    expect(stolen).toBe(0);

    finish();
    await waitFor('the long job', async () => (await job(id)).status === 'done');
    expect((await job(id)).attempts).toBe(1);
  });

  it('on stop, lets running jobs finish within the timeout and deregisters', async () => {
    const id = await enqueue(db(), 'slow', {}, { organizationId: org });
    const worker = await startWorker({ handlers: { slow: () => new Promise((resolve) => setTimeout(resolve, 150)) } });
    expect(await liveWorkers(db(), 60)).toBe(1);
    await waitFor('the job to start', async () => (await job(id)).status === 'running');

    await worker.stop(5_000);
    expect(await job(id)).toMatchObject({ status: 'done', attempts: 1 });
    expect(await liveWorkers(db(), 60)).toBe(0);
    expect(await db().selectFrom('workers').selectAll().execute()).toEqual([]);
  });

  it('on stop, hands back jobs that outlive the timeout without counting the attempt', async () => {
    const aborted: string[] = [];
    const ids = await enqueueMany(db(), Array.from({ length: 3 }, () => ({ kind: 'stuck', payload: {}, organizationId: org })));
    const worker = await startWorker({
      concurrency: 2,
      handlers: {
        stuck: (j, ctx) =>
          new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => {
              aborted.push(j.id);
              reject(ctx.signal.reason);
            }),
          ),
      },
    });
    await waitFor('two running jobs', async () => (await Promise.all(ids.map(job))).filter((j) => j.status === 'running').length === 2);

    await worker.stop(50);
    expect(aborted).toHaveLength(2);
    for (const id of ids) expect(await job(id)).toMatchObject({ status: 'pending', attempts: 0, lastError: null });
    const locks = await db().selectFrom('jobs').select(['locked_by', 'locked_until']).execute();
    expect(locks.every((row) => row.locked_by === null && row.locked_until === null)).toBe(true);
    expect(outcomes).toEqual([]);
  });

  it('prunes week-old done jobs and runs the extra maintenance tasks, even after one fails', async () => {
    const { entries, logger } = recordingLogger();
    const [old, recent] = await enqueueMany(db(), [
      { kind: 'x', payload: {}, organizationId: org, runAt: new Date(Date.now() + 3_600_000) },
      { kind: 'x', payload: {}, organizationId: org, runAt: new Date(Date.now() + 3_600_000) },
    ]);
    const finishedAt = (id: string | undefined, daysAgo: number) =>
      db().updateTable('jobs').set({ status: 'done', finished_at: new Date(Date.now() - daysAgo * 86_400_000) }).where('id', '=', id as string).execute();
    await finishedAt(old, 8);
    await finishedAt(recent, 6);
    let runs = 0;
    await startWorker({
      logger,
      handlers: {},
      maintenanceIntervalMs: 40,
      maintenance: [
        async function pruneSessions() {
          throw new Error('sessions table is gone');
        },
        async (database: Db) => {
          await sql`select 1`.execute(database);
          runs += 1;
        },
      ],
    });

    await waitFor('two maintenance rounds', () => runs >= 2);
    expect(await getJob(db(), org, old as string)).toBeUndefined();
    expect((await job(recent as string)).status).toBe('done');
    expect(entries).toContainEqual(expect.objectContaining({ level: 'error', message: 'maintenance task failed', details: expect.objectContaining({ task: 'pruneSessions' }) }));
  });

  it('rides out a database outage: backs off, then claims and completes', async () => {
    const { entries, logger } = recordingLogger();
    let outage = true;
    const unreliable: KyselyPlugin = {
      transformQuery: (args) => {
        if (outage) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    let runs = 0;
    const first = await enqueue(db(), 'during-outage', {}, { organizationId: org });
    await startWorker({
      db: db().withPlugin(unreliable),
      logger,
      handlers: {
        'during-outage': async () => {
          runs += 1;
          // The database goes away again just as the completion is due to be written.
          outage = true;
          setTimeout(() => (outage = false), 200);
        },
      },
    });

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await job(first)).status).toBe('pending');
    expect(entries.some((entry) => entry.message === 'claiming jobs failed; backing off')).toBe(true);
    outage = false;

    await waitFor('the job after the outage', async () => (await job(first)).status === 'done');
    expect(runs).toBe(1);
    expect(entries.some((entry) => entry.message === 'recording job completions failed; backing off')).toBe(true);
  });

  it('never runs a job twice with two workers competing for the queue', async () => {
    const runs = new Map<string, string[]>();
    const ids = await enqueueMany(
      db(),
      Array.from({ length: 400 }, (_, n) => ({ kind: n % 2 === 0 ? 'plain' : 'transactional', payload: {}, organizationId: org })),
    );
    const record = (j: Job, workerId: string) => runs.set(j.id, [...(runs.get(j.id) ?? []), workerId]);
    const handlersFor = (workerId: string) => ({
      plain: async (j: Job) => {
        record(j, workerId);
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
      transactional: async (j: Job, ctx: JobContext) => {
        record(j, workerId);
        await ctx.transaction((tx) => sql`insert into job_effects (job_id, worker_id) values (${j.id}, ${workerId})`.execute(tx));
      },
    });
    await Promise.all([
      startWorker({ workerId: 'wrk_a', concurrency: 8, handlers: handlersFor('wrk_a') }),
      startWorker({ workerId: 'wrk_b', concurrency: 8, handlers: handlersFor('wrk_b') }),
    ]);

    await waitFor('400 jobs', () => outcomes.length === 400, 15_000);
    expect(runs.size).toBe(400);
    expect([...runs.values()].filter((by) => by.length !== 1)).toEqual([]);
    const byWorker = [...runs.values()].flat();
    expect(byWorker.filter((w) => w === 'wrk_a').length).toBeGreaterThan(0);
    expect(byWorker.filter((w) => w === 'wrk_b').length).toBeGreaterThan(0);
    expect(await effects()).toEqual(ids.filter((_, n) => n % 2 === 1).toSorted());
    const statuses = await db().selectFrom('jobs').select('status').distinct().execute();
    expect(statuses).toEqual([{ status: 'done' }]);
  });
});
