import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OpenedDatabase } from '../src/db/database.js';
import { enqueueMany } from '../src/jobs/queue.js';
import { waitFor } from './fixtures/jobs.js';
import { describeWithPostgres, freshDatabase } from './support/databases.js';

const workerScript = fileURLToPath(new URL('./fixtures/jobs-crash-worker.ts', import.meta.url));

interface WorkerProcess {
  child: ChildProcess;
  workerId: string;
}

/** Starts test/fixtures/jobs-crash-worker.ts and waits until its worker has registered. */
async function spawnWorker(databaseUrl: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LEASE_MS: '1000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => [''])])) as [string];
  if (!line) throw new Error('the worker process exited before it was ready');
  return { child, workerId: (JSON.parse(line) as { workerId: string }).workerId };
}

describeWithPostgres('a worker killed with SIGKILL mid-batch', () => {
  let opened: OpenedDatabase & { url?: string };
  beforeAll(async () => {
    opened = await freshDatabase('postgres');
  });
  afterAll(async () => {
    await opened?.close();
  });

  const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(opened.db)).rows[0]?.n ?? 0;

  it('loses nothing and does nothing twice once a fresh worker takes over', async () => {
    const { db, url } = opened;
    await sql`create table crash_effects (job_id text not null, worker_id text not null)`.execute(db);
    const total = 600;
    const ids = await enqueueMany(db, Array.from({ length: total }, (_, n) => ({ kind: 'crash.effect', payload: { n } })));

    const doomed = await spawnWorker(url as string);
    await waitFor('the first worker to get going', async () => (await count(sql`select count(*)::int as n from crash_effects`)) >= total / 5, 15_000);
    doomed.child.kill('SIGKILL');
    await once(doomed.child, 'exit');

    // Mid-batch: some jobs done, others not, and some left claimed by the dead worker.
    const doneAtKill = await count(sql`select count(*)::int as n from jobs where status = 'done'`);
    expect(doneAtKill).toBeGreaterThan(0);
    expect(doneAtKill).toBeLessThan(total);
    expect(await count(sql`select count(*)::int as n from jobs where status = 'running' and locked_by = ${doomed.workerId}`)).toBeGreaterThan(0);

    const successor = await spawnWorker(url as string);
    await waitFor('every job to be done', async () => (await count(sql`select count(*)::int as n from jobs where status = 'done'`)) === total, 30_000);
    successor.child.kill('SIGTERM');
    const [exitCode] = (await once(successor.child, 'exit')) as [number | null];
    expect(exitCode).toBe(0);

    const effects = await sql<{ job_id: string; times: number }>`
      select job_id, count(*)::int as times from crash_effects group by job_id`.execute(db);
    expect(effects.rows).toHaveLength(total);
    expect(effects.rows.filter((row) => row.times !== 1)).toEqual([]);
    expect(effects.rows.map((row) => row.job_id).sort()).toEqual([...ids].sort());
    const byWorker = await sql<{ worker_id: string }>`select distinct worker_id from crash_effects order by worker_id`.execute(db);
    expect(byWorker.rows.map((row) => row.worker_id).sort()).toEqual([doomed.workerId, successor.workerId].sort());
    // The dead worker's claims were taken over after their lease expired (a second attempt).
    expect(await count(sql`select count(*)::int as n from jobs where attempts = 2`)).toBeGreaterThan(0);
    // The graceful shutdown deregistered; the killed worker's row is left to go stale.
    const registered = await db.selectFrom('workers').select('id').execute();
    expect(registered.map((row) => row.id)).toEqual([doomed.workerId]);
  });
});
