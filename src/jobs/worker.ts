import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Db, Tx } from '../db/database.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import { PermanentJobError, RetryLaterError } from './errors.js';
import type { Job } from './queue.js';
import { backoffDelayMs, defaultBackoff, type BackoffPolicy } from './retry.js';
import {
  claimJobs,
  completeJobs,
  extendLeases,
  failJob,
  pruneFinishedJobs,
  pruneStaleWorkers,
  recordHeartbeat,
  releaseJobs,
  removeWorker,
  rescheduleJob,
  type WorkerIdentity,
} from './worker-store.js';

export interface JobContext {
  /**
   * Runs `work` in a transaction that also marks this job done, after checking that this worker
   * still holds the job; if it does not, nothing commits. The handler's database effects and the
   * job's completion therefore commit together: they happen exactly once. Call it at most once
   * per job, and inside `work` use only `tx` (on PGlite the root database would wait for itself).
   */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Aborted when a shutdown stops waiting for this job; pass it to fetch() and the like. */
  signal: AbortSignal;
}

/**
 * Runs one job. Returning completes it; throwing retries it with backoff until its attempts run
 * out (see PermanentJobError and RetryLaterError to steer that). A handler that does not call
 * `ctx.transaction` must be idempotent: a worker that dies after the handler's effects but before
 * recording completion runs it again.
 */
export type JobHandler = (job: Job, ctx: JobContext) => Promise<void>;

export type JobOutcome = 'done' | 'retry' | 'failed';

export interface JobObserver {
  jobFinished(kind: string, outcome: JobOutcome, durationMs: number): void;
}

/** The part of pino's logger the worker uses. */
export interface JobLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export type MaintenanceTask = (db: Db) => Promise<void>;

export interface JobWorkerOptions {
  db: Db;
  handlers: Record<string, JobHandler>;
  /** Handlers run at once; also the most one claim fetches. */
  concurrency: number;
  logger?: JobLogger;
  clock?: Clock;
  workerId?: string;
  /** How often to look for due jobs when idle and not woken. */
  pollIntervalMs?: number;
  /** How long a claim holds without a heartbeat; a dead worker's jobs return after this. */
  leaseMs?: number;
  backoff?: BackoffPolicy;
  maintenance?: MaintenanceTask[];
  maintenanceIntervalMs?: number;
  observer?: JobObserver;
}

const silentLogger: JobLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const keepDoneJobsMs = 7 * 24 * 3600_000;
const keepDeadWorkersMs = 24 * 3600_000;
/** How far the claim loop backs off while the database is unreachable. */
const outageBackoff = (pollIntervalMs: number): BackoffPolicy => ({ baseMs: pollIntervalMs, maxMs: 30_000 });
const maxErrorLength = 2_000;

/** Thrown inside ctx.transaction when another worker owns the job now; rolls the work back. */
class LeaseLostError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} is no longer held by this worker`);
    this.name = 'LeaseLostError';
  }
}

interface RunningJob {
  settled: Promise<void>;
  abort: AbortController;
}

interface Completion {
  job: Job;
  durationMs: number;
}

/** Something the loop waits on: a timer, a wake(), or (when `forSlot`) a job finishing. */
interface Pause {
  forSlot: boolean;
  end(): void;
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? (error.name === 'Error' ? error.message : `${error.name}: ${error.message}`) : String(error);
  return text.length > maxErrorLength ? `${text.slice(0, maxErrorLength - 1)}…` : text;
}

/**
 * Claims due jobs and runs them with bounded concurrency. Jobs that finish without their own
 * transaction are marked done in batches (one UPDATE for everything that finished meanwhile),
 * which is what makes thousands of small jobs a second possible. While running it heartbeats:
 * it records itself in `workers` and extends the leases of the jobs it holds.
 */
export class JobWorker {
  readonly id: string;
  readonly #db: Db;
  readonly #handlers: Record<string, JobHandler>;
  readonly #concurrency: number;
  readonly #logger: JobLogger;
  readonly #clock: Clock;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #backoff: BackoffPolicy;
  readonly #maintenance: MaintenanceTask[];
  readonly #maintenanceIntervalMs: number;
  readonly #observer: JobObserver | undefined;
  readonly #identity: WorkerIdentity;

  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  #loop: Promise<void> = Promise.resolve();
  #pause: Pause | undefined;
  #wakeRequested = false;
  /** Claimed and not yet settled (running, or finished and awaiting its batched completion). */
  readonly #held = new Set<string>();
  readonly #running = new Map<string, RunningJob>();
  #completions: Completion[] = [];
  #flushing: Promise<void> | undefined;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #background = new Set<Promise<void>>();
  /** Ends the outage backoff of the completion writer, so a shutdown does not wait it out. */
  readonly #sleeps = new Set<() => void>();
  #stopped: Promise<void> | undefined;

  constructor(options: JobWorkerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError('concurrency must be a positive integer');
    this.id = options.workerId ?? newId('worker');
    this.#db = options.db;
    this.#handlers = options.handlers;
    this.#concurrency = options.concurrency;
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#backoff = options.backoff ?? defaultBackoff;
    this.#maintenance = options.maintenance ?? [];
    this.#maintenanceIntervalMs = options.maintenanceIntervalMs ?? 10 * 60_000;
    this.#observer = options.observer;
    this.#identity = { id: this.id, hostname: hostname(), pid: process.pid, startedAt: this.#clock.now() };
  }

  /** Registers the worker and starts claiming. Resolves once the first heartbeat was attempted. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error('a JobWorker can be started only once');
    this.#state = 'running';
    // Renew well within the lease, so one missed beat does not cost the jobs.
    this.#every(Math.min(5_000, this.#leaseMs / 3), () => this.#heartbeat());
    this.#every(this.#maintenanceIntervalMs, () => this.#runMaintenance());
    this.#loop = this.#claimLoop();
    this.#inBackground(this.#runMaintenance());
    const registered = this.#heartbeat();
    this.#inBackground(registered);
    await registered;
    this.#logger.info({ workerId: this.id, concurrency: this.#concurrency }, 'job worker started');
  }

  /** Claims now instead of at the next poll (call after enqueueing in this process). */
  wake(): void {
    this.#wakeRequested = true;
    this.#pause?.end();
  }

  /**
   * Stops claiming, gives running jobs up to `timeoutMs` to finish, then hands back whatever is
   * still unfinished as pending (the attempt not counted) and deregisters the worker.
   */
  stop(timeoutMs: number): Promise<void> {
    this.#stopped ??= this.#shutdown(timeoutMs);
    return this.#stopped;
  }

  async #shutdown(timeoutMs: number): Promise<void> {
    if (this.#state === 'new') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopping';
    for (const timer of this.#timers) clearInterval(timer);
    this.#pause?.end();
    for (const endSleep of this.#sleeps) endSleep();
    await this.#loop;

    let timer: NodeJS.Timeout | undefined;
    const finishedInTime = await Promise.race([
      Promise.all([...this.#running.values()].map((job) => job.settled)).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    await this.#flushing;

    // Let go first: whatever the aborted handlers do next is ignored, and the jobs go back as they were.
    const unfinished = [...this.#held];
    this.#held.clear();
    if (!finishedInTime) for (const job of this.#running.values()) job.abort.abort(new Error('worker shutting down'));
    if (unfinished.length > 0) {
      try {
        const released = await releaseJobs(this.#db, this.id, unfinished, this.#clock.now());
        this.#logger.warn({ workerId: this.id, released }, 'released unfinished jobs at shutdown');
      } catch (error) {
        this.#logger.error({ workerId: this.id, err: error }, 'could not release jobs at shutdown; they return when their lease expires');
      }
    }
    await Promise.all(this.#background);
    try {
      await removeWorker(this.#db, this.id);
    } catch (error) {
      this.#logger.warn({ workerId: this.id, err: error }, 'could not deregister worker');
    }
    this.#state = 'stopped';
    this.#logger.info({ workerId: this.id }, 'job worker stopped');
  }

  async #claimLoop(): Promise<void> {
    let failures = 0;
    while (this.#state === 'running') {
      // Finished jobs whose completion is still being written do not occupy a slot, so the next
      // claim overlaps that write; but at most one such batch is held at a time.
      const free = Math.min(this.#concurrency - this.#running.size, 2 * this.#concurrency - this.#held.size);
      if (free <= 0) {
        await this.#wait(undefined, true);
        continue;
      }
      this.#wakeRequested = false;
      let jobs: Job[];
      try {
        jobs = await claimJobs(this.#db, { workerId: this.id, limit: free, now: this.#clock.now(), leaseMs: this.#leaseMs });
        failures = 0;
      } catch (error) {
        failures += 1;
        const retryInMs = backoffDelayMs(failures, outageBackoff(this.#pollIntervalMs));
        this.#logger.error({ workerId: this.id, err: error, retryInMs }, 'claiming jobs failed; backing off');
        await this.#wait(retryInMs, false);
        continue;
      }
      for (const job of jobs) this.#launch(job);
      // A short batch means the queue is drained: sleep until the poll or a wake().
      if (jobs.length < free && !this.#wakeRequested) await this.#wait(this.#pollIntervalMs, false);
    }
  }

  #wait(ms: number | undefined, forSlot: boolean): Promise<void> {
    // Shutdown ends the pause in hand; a loop that was claiming meanwhile must not start a new one.
    if (this.#state !== 'running') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => end(), ms);
      const end = () => {
        clearTimeout(timer);
        if (this.#pause === pause) this.#pause = undefined;
        resolve();
      };
      const pause: Pause = { forSlot, end };
      this.#pause = pause;
    });
  }

  #launch(job: Job): void {
    this.#held.add(job.id);
    const abort = new AbortController();
    const settled = this.#execute(job, abort.signal).finally(() => {
      this.#running.delete(job.id);
      this.#slotFreed();
    });
    this.#running.set(job.id, { settled, abort });
  }

  /** Runs the handler and records the outcome. Never rejects: a job's failure is data. */
  async #execute(job: Job, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    let completedInTransaction = false;
    const context: JobContext = {
      signal,
      transaction: async (work) => {
        if (completedInTransaction) throw new Error('ctx.transaction() may be called only once per job');
        const result = await this.#db.transaction().execute(async (tx) => {
          // Marking done first also locks the job row, so nobody can reclaim it while `work` runs.
          const held = await completeJobs(tx, this.id, [job.id], this.#clock.now());
          if (held.length === 0) throw new LeaseLostError(job.id);
          return work(tx);
        });
        completedInTransaction = true;
        return result;
      },
    };
    try {
      const handler = Object.hasOwn(this.#handlers, job.kind) ? this.#handlers[job.kind] : undefined;
      if (!handler) throw new PermanentJobError(`no handler for job kind "${job.kind}"`);
      // Only a reclaimed job gets here: its worker kept dying while running it (a poison pill?).
      if (job.attempts > job.maxAttempts) throw new PermanentJobError(`gave up after ${job.maxAttempts} attempts; the last worker running it stopped responding`);
      await handler(job, context);
      if (completedInTransaction) this.#settle(job, 'done', started);
      else this.#queueCompletion(job, started);
      // What a job causes is often more jobs (an award's e-mail, a badge event's evaluation):
      // claim them now rather than at the next poll. An idle queue costs one short claim.
      this.wake();
    } catch (error) {
      if (completedInTransaction) {
        this.#logger.warn({ jobId: job.id, kind: job.kind, err: error }, 'handler threw after its transaction committed; the job stays done');
        this.#settle(job, 'done', started);
      } else if (error instanceof LeaseLostError) {
        this.#logger.warn({ jobId: job.id, kind: job.kind }, 'job lease lost; its transaction was rolled back');
        this.#release(job.id);
      } else {
        await this.#recordFailure(job, error, started);
      }
    }
  }

  async #recordFailure(job: Job, error: unknown, started: number): Promise<void> {
    // Released at shutdown while still running: the job is pending again and not ours to judge.
    if (!this.#held.has(job.id)) return;
    const message = describeError(error);
    const now = this.#clock.now();
    const permanent = error instanceof PermanentJobError || job.attempts >= job.maxAttempts;
    try {
      if (permanent) {
        if (await failJob(this.#db, this.id, job.id, message, now)) {
          this.#logger.error({ jobId: job.id, kind: job.kind, attempts: job.attempts, error: message }, 'job failed');
          this.#settle(job, 'failed', started);
          return;
        }
      } else {
        const retryInMs = error instanceof RetryLaterError ? error.delayMs : backoffDelayMs(job.attempts, this.#backoff);
        if (await rescheduleJob(this.#db, this.id, job.id, new Date(now.getTime() + retryInMs), message, now)) {
          this.#logger.warn({ jobId: job.id, kind: job.kind, attempts: job.attempts, error: message, retryInMs }, 'job attempt failed; will retry');
          this.#settle(job, 'retry', started);
          return;
        }
      }
      this.#logger.warn({ jobId: job.id, kind: job.kind }, 'job lease lost before its failure was recorded');
    } catch (writeError) {
      // Letting go of the job stops its lease renewal, so another claim retries it after expiry.
      this.#logger.error({ jobId: job.id, kind: job.kind, err: writeError }, 'could not record job failure; it is retried after its lease expires');
    }
    this.#release(job.id);
  }

  #queueCompletion(job: Job, started: number): void {
    if (!this.#held.has(job.id)) return;
    this.#completions.push({ job, durationMs: performance.now() - started });
    this.#flushing ??= this.#flushCompletions();
  }

  /** Writes completions in batches until none are waiting; retries through a database outage. */
  async #flushCompletions(): Promise<void> {
    try {
      // Yield once so every job finishing in this turn of the event loop joins the batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await this.#writeCompletions();
    } finally {
      // Cleared in the same synchronous step that saw the queue empty, so no completion is stranded.
      this.#flushing = undefined;
    }
  }

  async #writeCompletions(): Promise<void> {
    let failures = 0;
    while (this.#completions.length > 0) {
      const batch = this.#completions;
      this.#completions = [];
      try {
        const done = new Set(await completeJobs(this.#db, this.id, batch.map((c) => c.job.id), this.#clock.now()));
        failures = 0;
        for (const { job, durationMs } of batch) {
          if (done.has(job.id)) {
            this.#report(job, 'done', durationMs);
          } else {
            this.#logger.warn({ jobId: job.id, kind: job.kind }, 'job lease lost before its completion was recorded');
          }
          this.#release(job.id);
        }
      } catch (error) {
        failures += 1;
        if (this.#state !== 'running') {
          this.#logger.error({ err: error, jobs: batch.length }, 'could not record job completions at shutdown; they run again after release');
          return;
        }
        this.#completions.unshift(...batch);
        const retryInMs = backoffDelayMs(failures, outageBackoff(this.#pollIntervalMs));
        this.#logger.error({ err: error, jobs: batch.length, retryInMs }, 'recording job completions failed; backing off');
        await this.#sleep(retryInMs);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.#sleeps.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.#sleeps.add(end);
    });
  }

  #settle(job: Job, outcome: JobOutcome, started: number): void {
    this.#report(job, outcome, performance.now() - started);
    this.#release(job.id);
  }

  /** A broken metrics observer must not be mistaken for a failing job or database. */
  #report(job: Job, outcome: JobOutcome, durationMs: number): void {
    try {
      this.#observer?.jobFinished(job.kind, outcome, durationMs);
    } catch (error) {
      this.#logger.warn({ err: error }, 'job observer failed');
    }
  }

  #release(jobId: string): void {
    this.#held.delete(jobId);
    this.#slotFreed();
  }

  #slotFreed(): void {
    if (this.#pause?.forSlot) this.#pause.end();
  }

  async #heartbeat(): Promise<void> {
    const now = this.#clock.now();
    try {
      await recordHeartbeat(this.#db, this.#identity, now);
      if (this.#held.size > 0) await extendLeases(this.#db, this.id, [...this.#held], new Date(now.getTime() + this.#leaseMs));
    } catch (error) {
      this.#logger.warn({ workerId: this.id, err: error }, 'worker heartbeat failed');
    }
  }

  async #runMaintenance(): Promise<void> {
    const now = this.#clock.now().getTime();
    const tasks: Array<[string, MaintenanceTask]> = [
      ['prune done jobs', (db) => pruneFinishedJobs(db, new Date(now - keepDoneJobsMs)).then(() => undefined)],
      ['prune dead workers', (db) => pruneStaleWorkers(db, new Date(now - keepDeadWorkersMs))],
      ...this.#maintenance.map((task, index): [string, MaintenanceTask] => [task.name || `maintenance task ${index}`, task]),
    ];
    for (const [name, task] of tasks) {
      if (this.#state !== 'running') return;
      try {
        await task(this.#db);
      } catch (error) {
        this.#logger.error({ workerId: this.id, task: name, err: error }, 'maintenance task failed');
      }
    }
  }

  /** Repeats `tick` without overlapping itself; shutdown waits for a tick in progress. */
  #every(ms: number, tick: () => Promise<void>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.#state !== 'running') return;
      busy = true;
      this.#inBackground(tick().finally(() => (busy = false)));
    }, ms);
    this.#timers.push(timer);
  }

  #inBackground(work: Promise<void>): void {
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
  }
}
