import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { migrateToLatest, pendingMigrations } from './migrate.js';

describeEachDatabase('migrations', (db) => {
  it('leaves nothing pending and is a no-op when run again', async () => {
    expect(await pendingMigrations(db())).toEqual([]);
    expect(await migrateToLatest(db())).toEqual({ applied: [] });
  });

  it('creates the foundation tables', async () => {
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`.execute(db());
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['organizations', 'people', 'memberships', 'api_clients', 'audit_events', 'jobs', 'idempotency_keys']),
    );
  });
});
