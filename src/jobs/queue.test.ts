import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { inTransaction } from '../db/database.js';
import { isAppError } from '../kernel/errors.js';
import { isId } from '../kernel/ids.js';
import { createOrganization } from '../../test/fixtures/jobs.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { defaultMaxAttempts, enqueue, enqueueMany, getJob, listJobs, liveWorkers, queueStats, retryJob } from './queue.js';
import { pruneFinishedJobs, recordHeartbeat } from './worker-store.js';

describeEachDatabase('job queue', (db) => {
  let org: string;
  let otherOrg: string;
  beforeAll(async () => {
    org = await createOrganization(db());
    otherOrg = await createOrganization(db());
  });

  async function setStatus(id: string, status: 'done' | 'failed' | 'running', extra: Record<string, unknown> = {}) {
    await db().updateTable('jobs').set({ status, ...extra }).where('id', '=', id).execute();
  }

  it('enqueues inside the caller transaction: a rollback leaves no job behind', async () => {
    let rolledBackId = '';
    await expect(
      inTransaction(db(), async (tx) => {
        rolledBackId = await enqueue(tx, 'email.send', { to: 'a@example.org' }, { organizationId: org });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await getJob(db(), org, rolledBackId)).toBeUndefined();

    const id = await inTransaction(db(), (tx) => enqueue(tx, 'email.send', { to: 'b@example.org' }, { organizationId: org }));
    expect(isId('job', id)).toBe(true);
    const job = await getJob(db(), org, id);
    expect(job).toMatchObject({
      id,
      organizationId: org,
      kind: 'email.send',
      payload: { to: 'b@example.org' },
      status: 'pending',
      attempts: 0,
      maxAttempts: defaultMaxAttempts,
      lastError: null,
      finishedAt: null,
    });
    expect(job?.runAt.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(job?.createdAt).toBeInstanceOf(Date);
  });

  it('enqueues many jobs in order with their own options, keeping payloads intact', async () => {
    const later = new Date(Date.now() + 3_600_000);
    const payloads = [{ n: 1, nested: { list: [1, 'two', null] } }, 'just a string', 42, null, undefined];
    const ids = await enqueueMany(
      db(),
      payloads.map((payload, i) => ({ kind: `batch.${i}`, payload, organizationId: org, maxAttempts: i + 1, runAt: i === 0 ? later : undefined })),
    );
    expect(ids).toHaveLength(5);
    const jobs = await Promise.all(ids.map((id) => getJob(db(), org, id)));
    expect(jobs.map((job) => job?.kind)).toEqual(['batch.0', 'batch.1', 'batch.2', 'batch.3', 'batch.4']);
    expect(jobs.map((job) => job?.payload)).toEqual([payloads[0], 'just a string', 42, null, null]);
    expect(jobs.map((job) => job?.maxAttempts)).toEqual([1, 2, 3, 4, 5]);
    expect(jobs[0]?.runAt.toISOString()).toBe(later.toISOString());
    expect(await enqueueMany(db(), [])).toEqual([]);
  });

  it('enqueues thousands of jobs in one call', async () => {
    const ids = await enqueueMany(
      db(),
      Array.from({ length: 5_000 }, (_, n) => ({ kind: 'bulk', payload: { n } })),
    );
    const { rows } = await sql<{ count: number }>`select count(*)::int as count from jobs where kind = 'bulk'`.execute(db());
    expect(rows[0]?.count).toBe(5_000);
    expect(new Set(ids).size).toBe(5_000);
    await db().deleteFrom('jobs').where('kind', '=', 'bulk').execute();
  });

  it('rejects nonsensical options', async () => {
    await expect(enqueue(db(), 'x', {}, { maxAttempts: 0 })).rejects.toThrow(RangeError);
    await expect(enqueue(db(), '', {})).rejects.toThrow(RangeError);
  });

  it("hides other organisations' jobs and system jobs", async () => {
    const theirs = await enqueue(db(), 'secret', {}, { organizationId: otherOrg });
    const system = await enqueue(db(), 'system.cleanup', {});
    expect(await getJob(db(), org, theirs)).toBeUndefined();
    expect(await getJob(db(), otherOrg, theirs)).toMatchObject({ id: theirs });
    expect(await getJob(db(), org, system)).toBeUndefined();
    const listed = await listJobs(db(), { organizationId: org, limit: 1_000 });
    expect(listed.items.map((job) => job.id)).not.toContain(theirs);
    expect(listed.items.map((job) => job.id)).not.toContain(system);
    expect(listed.items.every((job) => job.organizationId === org)).toBe(true);
  });

  it('lists page by page with a cursor, filtered by status and kind', async () => {
    const listOrg = await createOrganization(db());
    const ids = await enqueueMany(
      db(),
      Array.from({ length: 7 }, (_, i) => ({ kind: i % 2 === 0 ? 'even' : 'odd', payload: { i }, organizationId: listOrg })),
    );
    await setStatus(ids[2] as string, 'failed', { last_error: 'boom' });
    await setStatus(ids[4] as string, 'failed', { last_error: 'boom' });

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listJobs(db(), { organizationId: listOrg, limit: 3, after: cursor });
      seen.push(...page.items.map((job) => job.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);

    const failed = await listJobs(db(), { organizationId: listOrg, status: 'failed', limit: 10 });
    expect(failed).toEqual({ items: [expect.objectContaining({ id: ids[2], lastError: 'boom' }), expect.objectContaining({ id: ids[4] })], nextCursor: null });
    const odd = await listJobs(db(), { organizationId: listOrg, kind: 'odd', limit: 10 });
    expect(odd.items.map((job) => job.id)).toEqual([ids[1], ids[3], ids[5]]);
    const exact = await listJobs(db(), { organizationId: listOrg, kind: 'odd', limit: 3 });
    expect(exact.nextCursor).toBeNull();
  });

  it('retries a failed job with fresh attempts, and only a failed one', async () => {
    const id = await enqueue(db(), 'provider.issue', {}, { organizationId: org, maxAttempts: 3, runAt: new Date(Date.now() - 86_400_000) });
    await setStatus(id, 'failed', { attempts: 3, last_error: 'HTTP 503', finished_at: new Date() });

    const retried = await retryJob(db(), org, id);
    expect(retried).toMatchObject({ id, status: 'pending', attempts: 0, finishedAt: null, lastError: 'HTTP 503' });
    expect(Math.abs(retried.runAt.getTime() - Date.now())).toBeLessThan(5_000);

    const conflict = await retryJob(db(), org, id).catch((error: unknown) => error);
    expect(isAppError(conflict) && conflict.code).toBe('conflict');
    const missing = await retryJob(db(), otherOrg, id).catch((error: unknown) => error);
    expect(isAppError(missing) && missing.code).toBe('not_found');
    expect((await getJob(db(), org, id))?.status).toBe('pending');
  });

  it('reports queue depth and the age of the oldest due job', async () => {
    const statsOrg = await createOrganization(db());
    await db().deleteFrom('jobs').execute();
    expect(await queueStats(db())).toEqual({ pending: 0, running: 0, failed: 0, oldestPendingAgeSeconds: 0 });

    const [a, b] = await enqueueMany(db(), [
      { kind: 'k', payload: {}, organizationId: statsOrg, runAt: new Date(Date.now() - 120_000) },
      { kind: 'k', payload: {}, organizationId: statsOrg },
      { kind: 'k', payload: {}, organizationId: statsOrg, runAt: new Date(Date.now() + 3_600_000) },
      { kind: 'k', payload: {} },
    ]);
    const [c] = await enqueueMany(db(), [{ kind: 'k', payload: {} }]);
    await setStatus(b as string, 'running');
    await setStatus(c as string, 'failed');
    const stats = await queueStats(db());
    expect(stats).toMatchObject({ pending: 3, running: 1, failed: 1 });
    expect(stats.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(119);
    expect(stats.oldestPendingAgeSeconds).toBeLessThan(180);

    await setStatus(a as string, 'done');
    expect((await queueStats(db())).oldestPendingAgeSeconds).toBeLessThan(60);
  });

  it('counts only workers with a recent heartbeat', async () => {
    await db().deleteFrom('workers').execute();
    const now = new Date();
    await recordHeartbeat(db(), { id: 'wrk_recent', hostname: 'h', pid: 1, startedAt: now }, now);
    await recordHeartbeat(db(), { id: 'wrk_silent', hostname: 'h', pid: 2, startedAt: now }, new Date(now.getTime() - 120_000));
    expect(await liveWorkers(db(), 30)).toBe(1);
    expect(await liveWorkers(db(), 600)).toBe(2);
    await recordHeartbeat(db(), { id: 'wrk_silent', hostname: 'h', pid: 2, startedAt: now }, now);
    expect(await liveWorkers(db(), 30)).toBe(2);
  });

  it('prunes done jobs finished before the cutoff, in batches, and nothing else', async () => {
    await db().deleteFrom('jobs').execute();
    const old = new Date(Date.now() - 8 * 86_400_000);
    const ids = await enqueueMany(db(), Array.from({ length: 25 }, () => ({ kind: 'old', payload: {} })));
    for (const id of ids.slice(0, 20)) await setStatus(id, 'done', { finished_at: old });
    await setStatus(ids[20] as string, 'done', { finished_at: new Date() });
    await setStatus(ids[21] as string, 'failed', { finished_at: old });

    expect(await pruneFinishedJobs(db(), new Date(Date.now() - 7 * 86_400_000), 6)).toBe(20);
    const left = await db().selectFrom('jobs').select('id').orderBy('id').execute();
    expect(left.map((row) => row.id)).toEqual(ids.slice(20));
  });
});
