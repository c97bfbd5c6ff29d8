import type { ResolveLocal } from './document-loader.js';
import type { StatusListResolver } from './status-check.js';
import type { VerificationReport } from './verification.js';
import { WorkerPool } from './worker-pool.js';

export interface VerificationJob {
  input: unknown;
  /** ISO date-time from the caller's clock. */
  now: string;
}

/** Questions a verification worker asks the main thread, where the resolvers live. */
export interface ResolveQuestion {
  resolver: 'local' | 'status';
  url: string;
}

export interface VerificationWorkerData {
  hasStatusResolver: boolean;
  timeoutMs?: number;
}

/**
 * `verifyCredential` on worker threads. The resolvers stay on the main thread (they reach the
 * database); workers ask for documents by URL and keep their own context, did:key and
 * status-list caches.
 */
export class VerificationPool {
  readonly #pool: WorkerPool;

  constructor(options: { size?: number; resolveLocal?: ResolveLocal; resolveStatusList?: StatusListResolver; timeoutMs?: number } = {}) {
    const { resolveLocal, resolveStatusList } = options;
    this.#pool = new WorkerPool({
      module: 'verification-worker',
      size: options.size,
      workerData: { hasStatusResolver: resolveStatusList !== undefined, timeoutMs: options.timeoutMs } satisfies VerificationWorkerData,
      answer: async (question) => {
        const { resolver, url } = question as ResolveQuestion;
        if (resolver === 'status' && resolveStatusList) return resolveStatusList(url);
        return resolveLocal ? resolveLocal(url) : undefined;
      },
    });
  }

  /** Like `verifyCredential`, never rejects: a lost worker becomes a failed report. */
  async verify(input: unknown, now: Date = new Date()): Promise<VerificationReport> {
    try {
      return (await this.#pool.run({ input, now: now.toISOString() } satisfies VerificationJob)) as VerificationReport;
    } catch (error) {
      const reason = `verification aborted: ${error instanceof Error ? error.message : String(error)}`;
      return { verified: false, format: 'unknown', checks: [{ name: 'format', outcome: 'failed', reasons: [reason] }] };
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
