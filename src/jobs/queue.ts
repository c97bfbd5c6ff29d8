import { sql, type Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { JobsTable, JobStatus } from '../db/schema.js';
import { AppError, notFound } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';

/**
 * The outbox side of the job queue: enqueue jobs inside the caller's transaction, and read or
 * retry them on behalf of an organisation. The worker's own SQL lives in worker-store.ts.
 */

export type { JobStatus };

/** A job as the API returns it. */
export interface Job {
  id: string;
  /** null for system jobs, which no organisation can see. */
  organizationId: string | null;
  kind: string;
  payload: unknown;
  status: JobStatus;
  /** Attempts started so far, including the one running now. */
  attempts: number;
  maxAttempts: number;
  /** When the job is (or was) due to run; pushed forward by each retry. */
  runAt: Date;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface EnqueueOptions {
  organizationId?: string | null;
  /** Not before this time; defaults to the database's now() (transaction start). */
  runAt?: Date;
  maxAttempts?: number;
}

export interface NewJob extends EnqueueOptions {
  kind: string;
  payload: unknown;
}

/** With the default backoff this is about an hour of retrying before a job is declared failed. */
export const defaultMaxAttempts = 12;

export function toJob(row: Selectable<JobsTable>): Job {
  return {
    id: row.id,
    organizationId: row.organization_id,
    kind: row.kind,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

/**
 * Adds a job. Pass the transaction that makes the change the job reacts to: the job then exists
 * if and only if that change commits.
 */
export async function enqueue(db: Db, kind: string, payload: unknown, options: EnqueueOptions = {}): Promise<string> {
  const [id] = await enqueueMany(db, [{ kind, payload, ...options }]);
  return id as string;
}

/**
 * Adds many jobs in one INSERT and returns their ids in order. The rows travel as one JSON
 * parameter, so the statement stays the same size (and under the bind-parameter limit) however
 * many jobs there are.
 */
export async function enqueueMany(db: Db, jobs: readonly NewJob[]): Promise<string[]> {
  if (jobs.length === 0) return [];
  const rows = jobs.map((job) => {
    const maxAttempts = job.maxAttempts ?? defaultMaxAttempts;
    if (!job.kind) throw new RangeError('a job needs a kind');
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
    return {
      id: newId('job'),
      organization_id: job.organizationId ?? null,
      kind: job.kind,
      payload: job.payload ?? null,
      max_attempts: maxAttempts,
      run_at: job.runAt?.toISOString() ?? null,
    };
  });
  await sql`
    insert into jobs (id, organization_id, kind, payload, status, max_attempts, run_at)
    select id, organization_id, kind, coalesce(payload, 'null'::jsonb), 'pending', max_attempts, coalesce(run_at, now())
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as j(id text, organization_id text, kind text, payload jsonb, max_attempts integer, run_at timestamptz)`.execute(db);
  return rows.map((row) => row.id);
}

export interface JobListQuery {
  organizationId: string;
  status?: JobStatus;
  kind?: string;
  /** Cursor: the id of the last job of the previous page. */
  after?: string;
  limit: number;
}

export interface JobPage {
  items: Job[];
  nextCursor: string | null;
}

/** An organisation's jobs, oldest first (ids are time-ordered), one page at a time. */
export async function listJobs(db: Db, query: JobListQuery): Promise<JobPage> {
  let select = db.selectFrom('jobs').selectAll().where('organization_id', '=', query.organizationId);
  if (query.status) select = select.where('status', '=', query.status);
  if (query.kind) select = select.where('kind', '=', query.kind);
  if (query.after) select = select.where('id', '>', query.after);
  const rows = await select.orderBy('id').limit(query.limit + 1).execute();
  const items = rows.slice(0, query.limit).map(toJob);
  const nextCursor = rows.length > query.limit ? (items[items.length - 1]?.id ?? null) : null;
  return { items, nextCursor };
}

/** One of an organisation's jobs; another organisation's job (or a system job) is not found. */
export async function getJob(db: Db, organizationId: string, id: string): Promise<Job | undefined> {
  const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
  return row && toJob(row);
}

/**
 * Gives a failed job a fresh set of attempts, due now. The last error is kept until the next
 * attempt replaces it, so the reason it was retried stays visible.
 */
export async function retryJob(db: Db, organizationId: string, id: string): Promise<Job> {
  const row = await db
    .updateTable('jobs')
    .set({ status: 'pending', attempts: 0, run_at: sql<Date>`now()`, finished_at: null, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'failed')
    .returningAll()
    .executeTakeFirst();
  if (row) return toJob(row);
  const existing = await getJob(db, organizationId, id);
  if (!existing) throw notFound('Job');
  throw new AppError('conflict', `Only failed jobs can be retried; this job is ${existing.status}.`);
}

export interface QueueStats {
  /** Waiting jobs, including those scheduled for later (retry backoff). */
  pending: number;
  running: number;
  failed: number;
  /** How long the longest-waiting due job has been due; 0 when none is. */
  oldestPendingAgeSeconds: number;
}

/** Queue depth and lag for metrics. Each figure reads one partial index, so scrapes stay cheap. */
export async function queueStats(db: Db): Promise<QueueStats> {
  const { rows } = await sql<QueueStats>`
    select
      (select count(*) from jobs where status = 'pending')::int as pending,
      (select count(*) from jobs where status = 'running')::int as running,
      (select count(*) from jobs where status = 'failed')::int as failed,
      coalesce((select extract(epoch from now() - min(run_at)) from jobs where status = 'pending' and run_at <= now()), 0)::float8
        as "oldestPendingAgeSeconds"`.execute(db);
  return rows[0] as QueueStats;
}

/** Workers whose heartbeat is at most `withinSeconds` old (for readiness checks). */
export async function liveWorkers(db: Db, withinSeconds: number): Promise<number> {
  const { rows } = await sql<{ live: number }>`
    select count(*)::int as live from workers where heartbeat_at > now() - make_interval(secs => ${withinSeconds})`.execute(db);
  return rows[0]?.live ?? 0;
}
