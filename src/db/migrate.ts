import { Migrator, sql, type MigrationResultSet } from 'kysely';
import type { Db } from './database.js';
import { migrations } from './migrations/index.js';

function migrator(db: Db): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

export interface MigrationReport {
  applied: string[];
}

/**
 * Names of migrations this build knows that the database has not applied. One cheap query, not
 * Kysely's schema introspection, because it runs on every start and readiness check.
 */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const known = Object.keys(migrations);
  const { rows: exists } = await sql<{ present: boolean }>`select to_regclass('kysely_migration') is not null as present`.execute(db);
  if (!exists[0]?.present) return known;
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const applied = new Set(rows.map((row) => row.name));
  return known.filter((name) => !applied.has(name));
}

/** Applies pending migrations (serialised across processes by Kysely's migration lock). */
export async function migrateToLatest(db: Db): Promise<MigrationReport> {
  if ((await pendingMigrations(db)).length === 0) return { applied: [] };
  const result: MigrationResultSet = await migrator(db).migrateToLatest();
  if (result.error) throw result.error;
  return { applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
