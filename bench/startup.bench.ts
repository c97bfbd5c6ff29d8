/**
 * Cold start of `npm start` (already built) to /readyz 200 on the embedded database: the first
 * start (creates and migrates the database, first-run setup) and a later start.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from '../scripts/build.mjs';
import { printResult } from './support.js';

const root = join(import.meta.dirname, '..');

async function startToReady(dataDir: string, port: number): Promise<number> {
  const started = performance.now();
  const server = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, LAUREL_DATA_DIR: dataDir, LAUREL_PORT: String(port), LAUREL_LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: 'ignore',
    detached: true,
  });
  try {
    for (;;) {
      const status = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
      if (status === 200) return Math.round(performance.now() - started);
      if (performance.now() - started > 60_000) throw new Error('not ready within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    process.kill(-server.pid!, 'SIGTERM');
    await new Promise((resolve) => server.on('exit', resolve));
    // npm may exit before the server it started has shut down; a server still answering would
    // make the next start look instant (and share the embedded database with it).
    while (await fetch(`http://127.0.0.1:${port}/readyz`).then(() => true, () => false)) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

await ensureBuilt();
const dataDir = mkdtempSync(join(tmpdir(), 'laurel-start-'));
const port = 20000 + Math.floor(Math.random() * 1000);
try {
  const firstStartMs = await startToReady(dataDir, port);
  const laterStartsMs = [];
  for (let i = 0; i < 3; i++) laterStartsMs.push(await startToReady(dataDir, port));
  printResult({ target: 'npm start → /readyz 200 (PGlite, already built)', firstStartMs, laterStartsMs, bestLaterStartMs: Math.min(...laterStartsMs) });
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
