import { afterAll, beforeAll, expect, it } from 'vitest';
import { badgeClassForIssuing } from '../src/catalog/badge-classes/issuing.js';
import { startTestApp, type TestApp } from './support/app.js';
import { describeWithPostgres } from './support/databases.js';
import { setUpIssuing } from './support/issuing.js';

/**
 * Issuing reads its badge class twice: before signing, outside any transaction, and again in the
 * award's transaction, share-locked. Only the second may lock: the first would otherwise wait for
 * any edit in progress and turn a read into a transaction that writes.
 */
describeWithPostgres('the badge class read for issuing', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('postgres');
  });
  afterAll(async () => {
    await app?.stop();
  });

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
