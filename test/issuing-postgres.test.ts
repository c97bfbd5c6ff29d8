import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findAward, insertAwards } from '../src/awards/store.js';
import { badgeClassForIssuing } from '../src/catalog/badge-classes/issuing.js';
import { newId } from '../src/kernel/ids.js';
import { startTestApp, type TestApp } from './support/app.js';
import { describeWithPostgres } from './support/databases.js';
import { setUpIssuing } from './support/issuing.js';

/** Issuing where PostgreSQL behaves unlike PGlite: generic plans, and locks between connections. */
describeWithPostgres('issuing on PostgreSQL', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('postgres');
  });
  afterAll(async () => {
    await app?.stop();
  });

  // PostgreSQL switches a prepared statement to a generic plan after a few runs; the awards insert
  // must still find the one-live-award-per-recipient index then, or issuing fails at random.
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

  // Issuing reads its badge class twice: before signing, outside any transaction, and again in the
  // award's transaction, share-locked. Only the second may lock: the first would otherwise wait for
  // any edit in progress and turn a read into a transaction that writes.
  it('reads without waiting for an edit in progress outside a transaction, and waits for it inside one', async () => {
    const setup = await setUpIssuing(app, 'Issuing Reads');
    const { db } = app.database;
    const settled = (promise: Promise<unknown>) => Promise.race([promise.then(() => 'read'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 1_000))]);
    let lockedRead: Promise<unknown> | undefined;
    await db.transaction().execute(async (edit) => {
      await edit.selectFrom('badge_classes').select('id').where('id', '=', setup.badgeClassId).forUpdate().execute();
      expect(await settled(badgeClassForIssuing(db, setup.organizationId, setup.badgeClassId))).toBe('read');
      lockedRead = db.transaction().execute((award) => badgeClassForIssuing(award, setup.organizationId, setup.badgeClassId));
      expect(await settled(lockedRead)).toBe('waiting');
    });
    await expect(lockedRead).resolves.toMatchObject({ badgeClass: { id: setup.badgeClassId } });
  });
});
