import { expect, it } from 'vitest';
import { enqueue } from '../../src/jobs/queue.js';
import { describeEachApp } from '../support/app.js';

async function waitFor<T>(probe: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ready(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeEachApp(
  'jobs API',
  (app) => {
    it('shows a failed job with its last error and retries it on request', async () => {
      const org = await app().organization('Jobs Org');
      const token = await app().token(org.client.client_id, org.client.client_secret!);
      // No handler exists for this kind, so the worker fails it at once with a clear error.
      const id = await enqueue(app().database.db, 'test.unknown-kind', { n: 1 }, { organizationId: org.organization.id });
      app().laurel.worker?.wake();
      const failed = await waitFor(
        () => app().call('GET', `/api/v1/jobs/${id}`, { token }),
        (r) => r.body.status === 'failed',
      );
      expect(failed.body).toMatchObject({ id, kind: 'test.unknown-kind', status: 'failed', lastError: expect.stringContaining('test.unknown-kind') });

      const listed = await app().call('GET', '/api/v1/jobs?status=failed', { token });
      expect(listed.body.items.map((j: { id: string }) => j.id)).toContain(id);

      const retried = await app().call('POST', `/api/v1/jobs/${id}/retry`, { token, body: {} });
      expect(retried.status).toBe(200);
      expect(retried.body.attempts).toBe(0);
      expect(['pending', 'running', 'failed']).toContain(retried.body.status);
      const retryAgain = await waitFor(
        () => app().call('POST', `/api/v1/jobs/${id}/retry`, { token, body: {} }),
        (r) => r.status === 200,
      );
      expect(retryAgain.status).toBe(200);

      const audit = await app().call('GET', '/api/v1/audit-events?action=job.retried', { token });
      expect(audit.body.items.length).toBeGreaterThanOrEqual(1);
    });

    it('refuses to retry a job that has not failed', async () => {
      const org = await app().organization('Jobs Org 2');
      const token = await app().token(org.client.client_id, org.client.client_secret!);
      const id = await enqueue(app().database.db, 'test.later', {}, { organizationId: org.organization.id, runAt: new Date(Date.now() + 3600_000) });
      const response = await app().call('POST', `/api/v1/jobs/${id}/retry`, { token, body: {} });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('conflict');
    });
  },
  {},
  { runWorkers: true },
);
