import { availableParallelism } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { Worker } from 'node:worker_threads';
import { startWorker } from './worker-entry.js';

/** Main thread → worker: a job, or the answer to a question the worker asked. */
type ToWorker = { kind: 'job'; id: number; job: unknown } | { kind: 'answer'; id: number; value?: unknown; error?: string };
/** Worker → main thread: a job's outcome, or a question only the main thread can answer. */
type FromWorker =
  | { kind: 'done'; id: number; value: unknown }
  | { kind: 'failed'; id: number; error: string }
  | { kind: 'ask'; id: number; question: unknown };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

interface Queued extends Pending {
  job: unknown;
}

/**
 * Jobs handed to one worker at a time: two keep it busy while the next message is in transit;
 * more would only interleave half-done canonicalisations and inflate the worker's heap.
 */
const jobsPerWorker = 2;

export interface WorkerPoolOptions {
  /** Worker module next to this file, without extension. */
  module: string;
  size?: number;
  workerData?: unknown;
  /** Answers workers' questions (e.g. a database lookup that cannot cross threads). */
  answer?: (question: unknown) => Promise<unknown>;
}

/**
 * JSON-LD canonicalisation is CPU-bound JavaScript, so throughput scales only across threads.
 * Jobs wait in one queue and go to the least busy worker; a worker keeps the process alive only
 * while it has work; a crashed worker fails its own jobs and is replaced.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #workers: PoolWorker[];
  readonly #queue: Queued[] = [];
  #nextId = 0;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    const size = Math.max(1, options.size ?? availableParallelism());
    this.#workers = Array.from({ length: size }, () => this.#spawn());
  }

  run(job: unknown): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('Worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const queued of this.#queue.splice(0)) queued.reject(new Error('Worker pool is closed'));
    await Promise.all(this.#workers.map(({ worker }) => worker.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const target = this.#workers.reduce((least, candidate) => (candidate.pending.size < least.pending.size ? candidate : least));
      if (target.pending.size >= jobsPerWorker) return;
      const { job, resolve, reject } = this.#queue.shift() as Queued;
      const id = this.#nextId++;
      if (target.pending.size === 0) target.worker.ref();
      target.pending.set(id, { resolve, reject });
      target.worker.postMessage({ kind: 'job', id, job } satisfies ToWorker);
    }
  }

  #spawn(): PoolWorker {
    const worker = startWorker(this.#options.module, this.#options.workerData);
    const poolWorker: PoolWorker = { worker, pending: new Map() };
    worker.on('message', (message: FromWorker) => {
      if (message.kind === 'ask') {
        this.#answer(worker, message.id, message.question);
        return;
      }
      const pending = poolWorker.pending.get(message.id);
      poolWorker.pending.delete(message.id);
      if (poolWorker.pending.size === 0) worker.unref();
      if (message.kind === 'done') pending?.resolve(message.value);
      else pending?.reject(new Error(message.error));
      this.#dispatch();
    });
    worker.on('error', (error) => this.#fail(poolWorker, error));
    worker.on('exit', (code) => this.#fail(poolWorker, new Error(`Worker exited with code ${code}`)));
    worker.unref();
    return poolWorker;
  }

  #answer(worker: Worker, id: number, question: unknown): void {
    const answer = this.#options.answer ?? (() => Promise.reject(new Error('this pool answers no questions')));
    answer(question).then(
      (value) => worker.postMessage({ kind: 'answer', id, value } satisfies ToWorker),
      (error: unknown) => worker.postMessage({ kind: 'answer', id, error: String(error instanceof Error ? error.message : error) } satisfies ToWorker),
    );
  }

  #fail(poolWorker: PoolWorker, error: Error): void {
    for (const pending of poolWorker.pending.values()) pending.reject(error);
    poolWorker.pending.clear();
    const index = this.#workers.indexOf(poolWorker);
    if (index >= 0 && !this.#closed) {
      this.#workers[index] = this.#spawn();
      this.#dispatch();
    }
  }
}

/**
 * Worker side of the pool: `serve` runs a handler for every job; `ask` sends a question to the
 * main thread's `answer` and resolves with its reply.
 */
export function connectToPool(): {
  ask(question: unknown): Promise<unknown>;
  serve(handle: (job: unknown) => Promise<unknown>): void;
} {
  const port = parentPort;
  if (!port) throw new Error('connectToPool must run in a worker thread');
  const questions = new Map<number, Pending>();
  let nextQuestion = 0;
  let handler: ((job: unknown) => Promise<unknown>) | undefined;
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'answer') {
      const question = questions.get(message.id);
      questions.delete(message.id);
      if (message.error !== undefined) question?.reject(new Error(message.error));
      else question?.resolve(message.value);
      return;
    }
    const run = handler ?? (() => Promise.reject(new Error('worker is not serving yet')));
    run(message.job).then(
      (value) => port.postMessage({ kind: 'done', id: message.id, value } satisfies FromWorker),
      (error: unknown) => port.postMessage({ kind: 'failed', id: message.id, error: error instanceof Error ? error.message : String(error) } satisfies FromWorker),
    );
  });
  return {
    ask: (question) =>
      new Promise((resolve, reject) => {
        const id = nextQuestion++;
        questions.set(id, { resolve, reject });
        port.postMessage({ kind: 'ask', id, question } satisfies FromWorker);
      }),
    serve: (handle) => {
      handler = handle;
    },
  };
}
