import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { PGlitePool } from './pglite-pool.js';
import { PreparedStatementPool } from './prepared-pool.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export type DatabaseTarget = { kind: 'postgres'; url: string; poolSize?: number; preparedStatements?: boolean } | { kind: 'pglite'; dataDir?: string };

export interface OpenedDatabase {
  db: Db;
  kind: DatabaseTarget['kind'];
  close(): Promise<void>;
}

/**
 * The embedded server zeroes its whole buffer pool when it starts, about a third of a second
 * for PostgreSQL's default 128 MB; 32 MB holds an embedded deployment's working set, and one
 * session needs few connection slots.
 */
const embeddedSettings = ['shared_buffers = 32MB', 'max_connections = 10'];

/** Opens PostgreSQL (a `pg` pool) or PGlite (on disk under `dataDir`, in memory without one). */
export async function openDatabase(target: DatabaseTarget): Promise<OpenedDatabase> {
  let pool;
  if (target.kind === 'postgres') {
    const pgPool = new pg.Pool({ connectionString: target.url, max: target.poolSize ?? 10 });
    // An idle connection that dies (server restart) must not crash the process.
    pgPool.on('error', () => undefined);
    pool = target.preparedStatements === false ? pgPool : new PreparedStatementPool(pgPool);
  } else {
    let path: string | undefined;
    if (target.dataDir) {
      path = join(target.dataDir, 'db');
      mkdirSync(path, { recursive: true });
    }
    const pglite = new PGlite(path, { postgresqlconf: embeddedSettings });
    await pglite.waitReady;
    pool = new PGlitePool(pglite);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: target.kind, close: () => db.destroy() };
}

/** Runs `work` in a transaction; everything it writes (data, audit, jobs) commits or none of it. */
export function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
