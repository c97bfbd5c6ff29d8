import { expect, it } from 'vitest';
import { describeEachApp } from '../support/app.js';

describeEachApp('health, readiness, metrics and docs (with workers)', (app) => {
  it('is alive and ready once the database is current and a worker heartbeats', async () => {
    expect((await app().call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await app().call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual([
      { name: 'database', ok: true },
      { name: 'migrations', ok: true },
      { name: 'workers', ok: true },
    ]);
  });

  it('exposes Prometheus metrics for HTTP latency and the job queue', async () => {
    await app().call('GET', '/healthz');
    const metrics = await app().call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.text).toMatch(/laurel_http_request_duration_seconds_bucket\{[^}]*route="\/healthz"[^}]*status_code="200"/);
    expect(metrics.text).toMatch(/laurel_jobs\{status="pending"\} \d+/);
    expect(metrics.text).toContain('laurel_jobs_oldest_pending_age_seconds');
  });

  it('serves the OpenAPI 3.1 document and the interactive docs', async () => {
    const spec = await app().call('GET', '/api/openapi.json');
    expect(spec.body.openapi).toBe('3.1.0');
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/oauth/token', '/api/v1/clients', '/api/v1/clients/{id}/rotate', '/api/v1/jobs', '/api/v1/audit-events']));
    expect(spec.body.components.schemas.Problem).toBeDefined();
    const docs = await app().call('GET', '/api/docs/');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
  });
}, {}, { runWorkers: true });

describeEachApp('readiness without workers', (app) => {
  it('is not ready when no worker heartbeats, and says why', async () => {
    const ready = await app().call('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.find((c: { name: string }) => c.name === 'workers')).toMatchObject({ ok: false, reason: expect.stringContaining('laurel worker') });
  });
});
