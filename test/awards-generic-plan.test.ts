import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findAward, insertAwards } from '../src/awards/store.js';
import { newId } from '../src/kernel/ids.js';
import { startTestApp, type TestApp } from './support/app.js';
import { describeWithPostgres } from './support/databases.js';
import { setUpIssuing } from './support/issuing.js';

/**
 * PostgreSQL switches a prepared statement to a generic plan after a few runs; the awards insert
 * must still find the one-live-award-per-recipient index then, or issuing fails at random.
 */
describeWithPostgres('issuing under generic plans', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('postgres');
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('skips a duplicate of a live single-holding award with a generic plan', async () => {
    const setup = await setUpIssuing(app, 'Generic Plan');
    const issued = await app.call('POST', '/api/v1/awards', { token: setup.token, body: { badgeClassId: setup.badgeClassId, recipient: { email: 'plan@example.org' } } });
    const existing = (await findAward(app.database.db, setup.organizationId, issued.body.id))!;
    const inserted = await app.database.db.transaction().execute(async (tx) => {
      await sql`set local plan_cache_mode = force_generic_plan`.execute(tx);
      return insertAwards(tx, [{ ...existing, id: newId('award'), exclusive: true }]);
    });
    expect(inserted.size).toBe(0);
  });
});
