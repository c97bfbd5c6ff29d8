/**
 * What every command needs before it can work: the master secret, and an open, migrated database.
 * The embedded database belongs to one process at a time, which a lock file enforces.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';
import { openDatabase, type OpenedDatabase } from './db/database.js';
import { MasterSecret, randomToken } from './kernel/secrets.js';

export class BootstrapError extends Error {
  override name = 'BootstrapError';
}

/** LAUREL_SECRET, or the secret generated on first start into `<data dir>/secret` (mode 0600). */
export function resolveMasterSecret(config: Pick<Config, 'secret' | 'dataDir'>): { secret: MasterSecret; generated: boolean } {
  if (config.secret) return { secret: new MasterSecret(config.secret), generated: false };
  const path = join(config.dataDir, 'secret');
  if (existsSync(path)) {
    const stored = readFileSync(path, 'utf8').trim();
    if (stored.length < 32) throw new BootstrapError(`${path} holds a secret shorter than 32 characters; fix or remove it.`);
    return { secret: new MasterSecret(stored), generated: false };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const fresh = randomToken(64);
  writeFileSync(path, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
  return { secret: new MasterSecret(fresh), generated: true };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<data dir>/embedded-db.pid`; a lock left by a dead process is taken over. */
function lockEmbeddedDatabase(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'embedded-db.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new BootstrapError(
          `the embedded database in ${dataDir} is in use by process ${holder} (a running Laurel); stop it first, or use PostgreSQL (DATABASE_URL) to run several processes.`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new BootstrapError(`could not lock the embedded database in ${dataDir}`);
}

/** PostgreSQL when DATABASE_URL is set, otherwise PGlite under the data folder (locked). */
export async function openConfiguredDatabase(config: Pick<Config, 'databaseUrl' | 'dbPoolSize' | 'dbPreparedStatements' | 'dataDir'>): Promise<OpenedDatabase> {
  if (config.databaseUrl) {
    return openDatabase({ kind: 'postgres', url: config.databaseUrl, poolSize: config.dbPoolSize, preparedStatements: config.dbPreparedStatements });
  }
  const unlock = lockEmbeddedDatabase(config.dataDir);
  try {
    const opened = await openDatabase({ kind: 'pglite', dataDir: config.dataDir });
    return {
      ...opened,
      async close() {
        try {
          await opened.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}
