import { mkdirSync, openAsBlob } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

interface PgliteAssets {
  pgliteWasmModule: WebAssembly.Module;
  fsBundle: Blob;
}

let pgliteAssets: Promise<PgliteAssets> | undefined;

/**
 * PGlite's WebAssembly, compiled, and its file-system bundle, read once per process. Started here
 * rather than left to PGlite, the compilation runs on V8's background threads while the caller goes
 * on loading the application; left to PGlite it would start only after that.
 */
function loadPgliteAssets(): Promise<PgliteAssets> {
  pgliteAssets ??= (async () => {
    const folder = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    const [pgliteWasmModule, fsBundle] = await Promise.all([readFile(join(folder, 'pglite.wasm')).then((bytes) => WebAssembly.compile(bytes)), openAsBlob(join(folder, 'pglite.data'))]);
    return { pgliteWasmModule, fsBundle };
  })();
  return pgliteAssets;
}

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
    const pglite = new PGlite(path, { postgresqlconf: embeddedSettings, ...(await loadPgliteAssets()) });
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
