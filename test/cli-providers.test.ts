import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeCredly, type FakeCredly } from './fakes/credly/server.js';
import { startTestApp, type TestApp } from './support/app.js';
import { describeWithPostgres } from './support/databases.js';
import { setUpIssuing } from './support/issuing.js';

const run = promisify(execFile);
const laurelBin = join(import.meta.dirname, '..', 'bin', 'laurel.js');
/** The master secret of test apps, so the command can unseal the connection's token. */
const secret = 'test-master-secret-of-at-least-32-characters';

/** `laurel providers sync|retry` against the database of a running Laurel (PostgreSQL: the server and the command share it). */
describeWithPostgres('laurel providers', () => {
  let app: TestApp;
  let credly: FakeCredly;
  let databaseUrl: string;

  beforeAll(async () => {
    [app, credly] = await Promise.all([startTestApp('postgres'), startFakeCredly()]);
    databaseUrl = (app.database as { url?: string }).url!;
  });
  afterAll(async () => {
    await Promise.all([app?.stop(), credly?.close()]);
  });

  const laurel = (args: string[]) =>
    run(process.execPath, [laurelBin, ...args], { env: { ...process.env, DATABASE_URL: databaseUrl, LAUREL_SECRET: secret, LAUREL_LOG_LEVEL: 'warn' }, timeout: 60_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('syncs templates and retries a failed delivery from the shell', { timeout: 120_000 }, async () => {
    const credlyOrg = credly.state.addOrganization({ name: 'Shell on Credly', authorizationTokens: [{ token: 'credly-shell-token-0123456789', write: true }] });
    const template = credly.state.addTemplate({ organizationId: credlyOrg.id, name: 'Shell Skills' });
    const { token, badgeClassId } = await setUpIssuing(app, 'Providers Shell');
    const call = (method: string, path: string, body?: unknown) => app.call(method, path, { token, body });
    const connection = await call('POST', '/api/v1/connections', {
      provider: 'credly',
      name: 'Credly shell',
      organizationId: credlyOrg.id,
      authorizationToken: 'credly-shell-token-0123456789',
      environment: 'sandbox',
      apiBaseUrl: credly.apiBaseUrl,
      oauthTokenUrl: credly.oauthTokenUrl,
    });

    const synced = await laurel(['providers', 'sync', connection.body.id, '--json']);
    expect(synced.code, synced.stderr).toBe(0);
    expect(JSON.parse(synced.stdout).templates).toEqual([expect.objectContaining({ externalId: template.id, name: 'Shell Skills', state: 'active' })]);
    expect((await laurel(['providers', 'sync', 'con_nope'])).stderr.trim()).toBe('laurel: no connection with id "con_nope"');

    expect((await call('PATCH', `/api/v1/badge-classes/${badgeClassId}`, { issuingBackend: { connectionId: connection.body.id, templateId: template.id } })).status).toBe(200);
    const award = await call('POST', '/api/v1/awards', { badgeClassId, recipient: { email: 'shell@example.edu', name: 'Shell User' } });
    expect(award.body.provider.state).toBe('queued');

    // Credly is down: the command says so, exits 1, and the retry stays queued.
    credly.injectFault({ method: 'POST', path: `/v1/organizations/${credlyOrg.id}/badges`, times: 1, fault: { kind: 'status', status: 502 } });
    const down = await laurel(['providers', 'retry', award.body.id]);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/queued — Credly unavailable \(HTTP 502\)/);

    const retried = await laurel(['providers', 'retry', award.body.id]);
    expect(retried.code, retried.stderr).toBe(0);
    const [badge] = credly.state.badgesOf(credlyOrg.id);
    expect(retried.stdout.trim()).toBe(`Award ${award.body.id}: pending at the provider as ${badge!.id}`);
    expect(credly.state.badgesOf(credlyOrg.id)).toHaveLength(1);

    const again = await laurel(['providers', 'retry', award.body.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/Nothing to retry/);
  });
});
