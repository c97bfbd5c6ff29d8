import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type Db, type OpenedDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export type DatabaseKind = 'pglite' | 'postgres';

export const postgresUrl = process.env.TEST_DATABASE_URL;
export const redisUrl = process.env.TEST_REDIS_URL;

/**
 * A fresh, migrated database of the given kind: in-memory PGlite, or a new PostgreSQL database
 * created from TEST_DATABASE_URL (one per call, so test files never share state).
 */
export async function freshDatabase(kind: DatabaseKind, serverUrl = postgresUrl): Promise<OpenedDatabase & { url?: string }> {
  if (kind === 'pglite') {
    const opened = await openDatabase({ kind: 'pglite' });
    await migrateToLatest(opened.db);
    return opened;
  }
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `laurel_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const opened = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 10 });
  await migrateToLatest(opened.db);
  return {
    ...opened,
    url: url.toString(),
    async close() {
      await opened.close();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** The database kinds available here: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const databaseKinds: DatabaseKind[] = postgresUrl ? ['pglite', 'postgres'] : ['pglite'];

/**
 * Runs the same test bodies against every available database kind. `body` receives a getter for
 * the database of the current run (valid inside tests and hooks).
 */
export function describeEachDatabase(title: string, body: (database: () => Db, kind: DatabaseKind) => void): void {
  for (const kind of databaseKinds) {
    describe(`${title} [${kind}]`, () => {
      let opened: OpenedDatabase | undefined;
      beforeAll(async () => {
        opened = await freshDatabase(kind);
      });
      afterAll(async () => {
        await opened?.close();
      });
      body(() => {
        if (!opened) throw new Error('database not ready');
        return opened.db;
      }, kind);
    });
  }
}

/** `describe` that runs only with PostgreSQL available (and says so loudly when skipped). */
export const describeWithPostgres = postgresUrl ? describe : describe.skip;
export const describeWithRedis = redisUrl ? describe : describe.skip;
