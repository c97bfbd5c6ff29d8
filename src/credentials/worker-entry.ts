import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` that sits next to this file. From compiled JavaScript that is
 * `<name>.js`. From TypeScript sources (tests, benchmarks) worker threads do not inherit the
 * runner's transform, so a small bootstrap registers tsx first and then imports `<name>.ts`.
 */
export function startWorker(name: string, workerData?: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), { workerData });
  const entry = JSON.stringify(new URL(`./${name}.ts`, import.meta.url).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); });`, { eval: true, workerData });
}
