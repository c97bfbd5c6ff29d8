import { sql, type Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { JobsTable } from '../db/schema.js';
import { toJob, type Job } from './queue.js';

/**
 * The worker's SQL. A claimed job is `running` with a lease: `locked_by` names the worker and
 * `locked_until` says how long the claim holds. Every write about a claimed job checks that the
 * worker still holds it, so a worker that lost its lease (it stalled, another worker reclaimed
 * the job) can never overwrite the newer owner's outcome.
 *
 * Times come from the worker's clock rather than the database's now(), so tests can move time.
 */

export interface ClaimRequest {
  workerId: string;
  limit: number;
  now: Date;
  leaseMs: number;
}

/**
 * Claims up to `limit` jobs: running jobs whose lease expired (their worker died) first, then due
 * pending jobs in due order. SKIP LOCKED lets concurrent workers claim disjoint jobs without
 * waiting for each other. Each claim counts as an attempt.
 */
export async function claimJobs(db: Db, request: ClaimRequest): Promise<Job[]> {
  const { workerId, limit, now } = request;
  const until = new Date(now.getTime() + request.leaseMs);
  // The clock counts milliseconds, the database microseconds: a job enqueued within the current
  // millisecond is due too (or a wake() right after a quick enqueue would miss it).
  const dueBefore = new Date(now.getTime() + 1);
  const { rows } = await sql<Selectable<JobsTable>>`
    with expired as (
      select id from jobs where status = 'running' and locked_until < ${now}
      order by locked_until limit ${limit} for update skip locked
    ), due as (
      select id from jobs where status = 'pending' and run_at < ${dueBefore}
      order by run_at, id limit ${limit} for update skip locked
    ), picked as (
      select id from expired union all select id from due limit ${limit}
    )
    update jobs set status = 'running', attempts = jobs.attempts + 1, locked_by = ${workerId}, locked_until = ${until}, updated_at = ${now}
    from picked where jobs.id = picked.id
    returning jobs.*`.execute(db);
  return rows.map(toJob);
}

/** Marks held jobs done in one statement; returns the ids this worker still held. */
export async function completeJobs(db: Db, workerId: string, ids: readonly string[], now: Date): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    update jobs set status = 'done', finished_at = ${now}, updated_at = ${now}, locked_by = null, locked_until = null
    where id = any(${ids}) and locked_by = ${workerId} and status = 'running'
    returning id`.execute(db);
  return rows.map((row) => row.id);
}

/** Puts a held job back to pending, due at `runAt`, remembering why; false if no longer held. */
export async function rescheduleJob(db: Db, workerId: string, id: string, runAt: Date, error: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'pending', run_at: runAt, last_error: error, updated_at: now, locked_by: null, locked_until: null })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Moves a held job to the terminal `failed` state; false if no longer held. */
export async function failJob(db: Db, workerId: string, id: string, error: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'failed', last_error: error, finished_at: now, updated_at: now, locked_by: null, locked_until: null })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Hands held jobs back as pending without counting the attempt (a graceful shutdown). */
export async function releaseJobs(db: Db, workerId: string, ids: readonly string[], now: Date): Promise<number> {
  const result = await sql`
    update jobs set status = 'pending', attempts = greatest(attempts - 1, 0), updated_at = ${now}, locked_by = null, locked_until = null
    where id = any(${ids}) and locked_by = ${workerId} and status = 'running'`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Pushes the lease of held jobs forward, so a long job is not reclaimed while its worker lives.
 * Rows locked by a handler's transaction are skipped (nobody can reclaim them meanwhile), so one
 * long transaction does not hold up the renewal of every other lease.
 */
export async function extendLeases(db: Db, workerId: string, ids: readonly string[], until: Date): Promise<void> {
  await sql`
    update jobs set locked_until = ${until}
    where id in (
      select id from jobs where id = any(${ids}) and locked_by = ${workerId} and status = 'running'
      for update skip locked)`.execute(db);
}

export interface WorkerIdentity {
  id: string;
  hostname: string;
  pid: number;
  startedAt: Date;
}

export async function recordHeartbeat(db: Db, worker: WorkerIdentity, now: Date): Promise<void> {
  await db
    .insertInto('workers')
    .values({ id: worker.id, hostname: worker.hostname, pid: worker.pid, started_at: worker.startedAt, heartbeat_at: now })
    .onConflict((conflict) => conflict.column('id').doUpdateSet({ heartbeat_at: now }))
    .execute();
}

export async function removeWorker(db: Db, id: string): Promise<void> {
  await db.deleteFrom('workers').where('id', '=', id).execute();
}

/** Deletes done jobs finished before `cutoff`, in bounded batches so no statement runs long. */
export async function pruneFinishedJobs(db: Db, cutoff: Date, batchSize = 5_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await sql`
      delete from jobs where id in (
        select id from jobs where status = 'done' and finished_at < ${cutoff} limit ${batchSize})`.execute(db);
    const count = Number(result.numAffectedRows ?? 0n);
    deleted += count;
    if (count < batchSize) return deleted;
  }
}

/** Forgets workers that stopped heartbeating before `cutoff` (killed processes leave their row). */
export async function pruneStaleWorkers(db: Db, cutoff: Date): Promise<void> {
  await db.deleteFrom('workers').where('heartbeat_at', '<', cutoff).execute();
}
