import type { DataIntegritySigningKey } from './data-integrity.js';
import type { JsonObject } from './json.js';
import { WorkerPool } from './worker-pool.js';

export interface SigningJob {
  credential: JsonObject;
  key: DataIntegritySigningKey;
  /** ISO date-time; the clock stays on the caller's side. */
  created: string;
}

/**
 * Data Integrity signing on worker threads: one thread signs a few hundred credentials a
 * second, so bulk issuance scales across cores. Private keys travel to the workers in memory
 * with each job and are never written anywhere.
 */
export class SigningPool {
  readonly #pool: WorkerPool;

  constructor(options: { size?: number } = {}) {
    this.#pool = new WorkerPool({ module: 'signing-worker', size: options.size });
  }

  async sign(credential: JsonObject, key: DataIntegritySigningKey, created: Date): Promise<JsonObject> {
    return (await this.#pool.run({ credential, key, created: created.toISOString() } satisfies SigningJob)) as JsonObject;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
