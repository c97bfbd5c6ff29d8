import { workerData } from 'node:worker_threads';
import { createDocumentLoader } from './document-loader.js';
import type { JsonObject } from './json.js';
import type { ResolveQuestion, VerificationJob, VerificationWorkerData } from './verification-pool.js';
import { verifyCredential } from './verification.js';
import { connectToPool } from './worker-pool.js';

const settings = workerData as VerificationWorkerData;
const pool = connectToPool();
const resolve = (resolver: ResolveQuestion['resolver'], url: string): Promise<unknown> =>
  pool.ask({ resolver, url } satisfies ResolveQuestion);
// One loader for the worker's lifetime, so its caches (contexts, did:key, status lists) persist.
const documentLoader = createDocumentLoader({ resolveLocal: async (url) => (await resolve('local', url)) as JsonObject | undefined });

pool.serve((job) => {
  const { input, now } = job as VerificationJob;
  return verifyCredential(input, {
    documentLoader,
    resolveStatusList: settings.hasStatusResolver ? (url) => resolve('status', url) : undefined,
    now: () => new Date(now),
    timeoutMs: settings.timeoutMs,
  });
});
