import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The second, independent Data Integrity verifier: Debian's python3-pyld with
 * python3-cryptography running verify_data_integrity.py. Missing packages skip its tests with a
 * loud banner, except in CI (CI=true), where they are a failure.
 */
const python = '/usr/bin/python3';
const script = fileURLToPath(new URL('./verify_data_integrity.py', import.meta.url));

export const pyldAvailable = existsSync(python) && spawnSync(python, ['-c', 'import pyld, cryptography']).status === 0;

if (!pyldAvailable) {
  const message = 'python3-pyld / python3-cryptography are missing: the PyLD cross-check cannot run (apt-get install python3-pyld python3-cryptography)';
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n${'!'.repeat(100)}\n!! SKIPPED: ${message}\n${'!'.repeat(100)}\n`);
}

/** `VALID` or `INVALID: reason` per credential; `documents` maps every URL the credentials need. */
export function verifyWithPyld(credentials: unknown[], documents: Record<string, unknown>): { results: string[]; stderr: string } {
  const run = spawnSync(python, [script], { input: JSON.stringify({ credentials, documents }), encoding: 'utf8' });
  return { results: run.stdout ? (JSON.parse(run.stdout) as string[]) : [], stderr: run.stderr };
}
