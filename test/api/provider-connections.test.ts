import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeAccredible, type FakeAccredible } from '../fakes/accredible/server.js';
import { startFakeCredly, type FakeCredly } from '../fakes/credly/server.js';
import { describeEachApp, type TestApp } from '../support/app.js';
import { waitFor } from '../support/issuing.js';

const credlyToken = 'credly-authorization-token-0123456789';
const oauthClient = { clientId: 'laurel-oauth-client', clientSecret: 'laurel-oauth-secret-abcdefgh' };
const accredibleKey = 'accredible-api-key-0123456789';
const allSecrets = [credlyToken, oauthClient.clientId, oauthClient.clientSecret, accredibleKey];

async function setup(app: TestApp, name: string) {
  const org = await app.organization(name);
  return { org, token: await app.token(org.client.client_id, org.client.client_secret!) };
}

/** No credential may appear in any answer. */
function expectNoSecret(text: string, secrets: readonly string[] = allSecrets) {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describeEachApp('provider connections', (app) => {
  let credly: FakeCredly;
  let accredible: FakeAccredible;
  let credlyOrgId: string;

  beforeAll(async () => {
    [credly, accredible] = await Promise.all([startFakeCredly(), startFakeAccredible()]);
    credlyOrgId = credly.state.addOrganization({ name: 'Acme on Credly', authorizationTokens: [{ token: credlyToken, write: true }], oauthClients: [oauthClient] }).id;
    accredible.state.addIssuer({ name: 'Acme on Accredible', apiKeys: [accredibleKey] });
  });
  afterAll(async () => {
    await Promise.all([credly.close(), accredible.close()]);
  });

  const credlyBody = (overrides: Record<string, unknown> = {}) => ({
    provider: 'credly',
    name: 'Credly sandbox',
    organizationId: credlyOrgId,
    authorizationToken: credlyToken,
    environment: 'sandbox',
    apiBaseUrl: credly.apiBaseUrl,
    oauthTokenUrl: credly.oauthTokenUrl,
    ...overrides,
  });
  const accredibleBody = (overrides: Record<string, unknown> = {}) => ({
    provider: 'accredible',
    name: 'Accredible',
    apiKey: accredibleKey,
    region: 'sandbox',
    apiBaseUrl: accredible.apiBaseUrl,
    ...overrides,
  });

  it('creates, lists, tests, changes and deletes connections without ever showing or storing a credential in clear', async () => {
    const { token } = await setup(app(), 'Connections Lifecycle');
    const texts: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await app().call(method, path, { token, body });
      texts.push(response.text);
      return response;
    };

    const byToken = await call('POST', '/api/v1/connections', credlyBody());
    expect(byToken.status).toBe(201);
    expect(byToken.headers.get('location')).toBe(`/api/v1/connections/${byToken.body.id}`);
    expect(byToken.body).toMatchObject({
      id: expect.stringMatching(/^con_/),
      provider: 'credly',
      name: 'Credly sandbox',
      settings: { organizationId: credlyOrgId, environment: 'sandbox', authentication: 'authorization-token', apiBaseUrl: credly.apiBaseUrl, oauthTokenUrl: credly.oauthTokenUrl },
      accountName: null,
      lastTestedAt: null,
    });
    const byOAuth = await call('POST', '/api/v1/connections', credlyBody({ authorizationToken: undefined, oauth: oauthClient, name: 'Credly OAuth' }));
    expect(byOAuth.status).toBe(201);
    expect(byOAuth.body.settings.authentication).toBe('oauth');
    const acc = await call('POST', '/api/v1/connections', accredibleBody());
    expect(acc.status).toBe(201);
    expect(acc.body.settings).toEqual({ region: 'sandbox', apiBaseUrl: accredible.apiBaseUrl, revokeMode: 'expire' });

    for (const created of [byToken, byOAuth, acc]) {
      const tested = await call('POST', `/api/v1/connections/${created.body.id}/test`);
      expect(tested.status).toBe(200);
      expect(tested.body.accountName).toBe(created === acc ? 'Acme on Accredible' : 'Acme on Credly');
      expect(tested.body.lastTestedAt).not.toBeNull();
    }

    const list = await call('GET', '/api/v1/connections');
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([byToken.body.id, byOAuth.body.id, acc.body.id]);
    expect((await call('GET', `/api/v1/connections/${acc.body.id}`)).body.accountName).toBe('Acme on Accredible');

    // Replacing the key is allowed; the connection is then untested until tested again.
    const rekeyed = await call('PATCH', `/api/v1/connections/${acc.body.id}`, { apiKey: 'another-accredible-key-98765', revokeMode: 'delete' });
    expect(rekeyed.status).toBe(200);
    expect(rekeyed.body).toMatchObject({ settings: { revokeMode: 'delete' }, accountName: null, lastTestedAt: null });
    expectNoSecret(rekeyed.text, ['another-accredible-key-98765']);
    const renamed = await call('PATCH', `/api/v1/connections/${byToken.body.id}`, { name: 'Credly main' });
    expect(renamed.body).toMatchObject({ name: 'Credly main', accountName: 'Acme on Credly' });

    const rows = await app().database.db.selectFrom('provider_connections').selectAll().execute();
    expect(rows).toHaveLength(3);
    expectNoSecret(JSON.stringify(rows), [...allSecrets, 'another-accredible-key-98765']);
    for (const row of rows) expect(row.sealed_secrets).toMatch(/^aes256gcm-v1\./);

    expect((await call('DELETE', `/api/v1/connections/${byOAuth.body.id}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/connections/${byOAuth.body.id}`)).status).toBe(404);

    const audit = await call('GET', '/api/v1/audit-events?limit=200');
    const actions = audit.body.items.map((event: { action: string }) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['connection.created', 'connection.tested', 'connection.updated', 'connection.deleted']));
    expect(actions.filter((action: string) => action === 'connection.created')).toHaveLength(3);
    expectNoSecret(texts.join('\n'), [...allSecrets, 'another-accredible-key-98765']);
    expectNoSecret(JSON.stringify(await app().database.db.selectFrom('audit_events').selectAll().execute()), [...allSecrets, 'another-accredible-key-98765']);
  });

  it("answers a provider's refusal of the credentials with 422 and its reason, without the secret", async () => {
    const { token } = await setup(app(), 'Connections Refused');
    const wrongToken = 'wrong-credly-token-555555';
    const wrong = await app().call('POST', '/api/v1/connections', { token, body: credlyBody({ authorizationToken: wrongToken }) });
    const refused = await app().call('POST', `/api/v1/connections/${wrong.body.id}/test`, { token });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'unprocessable' });
    expect(refused.body.detail).toMatch(/Credly rejected the connection's credentials \(HTTP 401\)/);
    expectNoSecret(refused.text, [wrongToken]);
    expect((await app().call('GET', `/api/v1/connections/${wrong.body.id}`, { token })).body.accountName).toBeNull();

    // A valid token for another organisation's id: Credly answers 403.
    const other = credly.state.addOrganization({ name: 'Someone else' });
    const foreign = await app().call('POST', '/api/v1/connections', { token, body: credlyBody({ organizationId: other.id }) });
    const forbidden = await app().call('POST', `/api/v1/connections/${foreign.body.id}/test`, { token });
    expect(forbidden.status).toBe(422);
    expect(forbidden.body.detail).toMatch(/Credly refused access \(HTTP 403\)/);

    const badKey = await app().call('POST', '/api/v1/connections', { token, body: accredibleBody({ apiKey: 'not-a-real-accredible-key' }) });
    const accRefused = await app().call('POST', `/api/v1/connections/${badKey.body.id}/test`, { token });
    expect(accRefused.status).toBe(422);
    expect(accRefused.body.detail).toMatch(/^Accredible rejected/);
    expectNoSecret(accRefused.text, ['not-a-real-accredible-key']);

    // An unreachable provider is not the user's mistake and not Laurel's failure either.
    credly.injectFault({ method: 'GET', path: `/v1/organizations/${credlyOrgId}`, times: 1, fault: { kind: 'status', status: 503 } });
    const down = await app().call('POST', '/api/v1/connections', { token, body: credlyBody() });
    const unavailable = await app().call('POST', `/api/v1/connections/${down.body.id}/test`, { token });
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.detail).toMatch(/Credly unavailable \(HTTP 503\)/);
  });

  it("tracks a Credly token's age, warns 30 days before it expires, and rotates it only to a token Credly accepts", async () => {
    const { token } = await setup(app(), 'Connections Token Age');
    const day = 24 * 60 * 60_000;
    const issued = new Date(Date.now() - 160 * day);
    const created = await app().call('POST', '/api/v1/connections', { token, body: credlyBody({ tokenIssuedAt: issued.toISOString() }) });
    expect(created.status).toBe(201);
    expect(created.body.token).toEqual({ issuedAt: issued.toISOString(), expiresAt: new Date(issued.getTime() + 180 * day).toISOString(), daysLeft: 19 });
    expect(created.body.warnings).toEqual([expect.stringMatching(/^The Credly authorization token expires on \d{4}-\d{2}-\d{2} \(in 19 days\); rotate it with POST \/api\/v1\/connections\/con_\w+\/rotate-token\.$/)]);
    const id = created.body.id as string;

    // A token Credly refuses is not stored: the old one keeps working.
    const refused = await app().call('POST', `/api/v1/connections/${id}/rotate-token`, { token, body: { authorizationToken: 'not-a-credly-token-4444' } });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/Credly rejected/);
    expectNoSecret(refused.text, ['not-a-credly-token-4444']);
    expect((await app().call('POST', `/api/v1/connections/${id}/test`, { token })).status).toBe(200);

    const fresh = 'credly-fresh-token-777777777';
    credly.state.organizations.get(credlyOrgId)!.authorizationTokens.push({ token: fresh, write: true });
    const rotated = await app().call('POST', `/api/v1/connections/${id}/rotate-token`, { token, body: { authorizationToken: fresh } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.warnings).toEqual([]);
    expect(rotated.body.token.daysLeft).toBe(179);
    expect(rotated.body.accountName).toBe('Acme on Credly');
    expectNoSecret(rotated.text, [fresh]);
    const audit = await app().call('GET', `/api/v1/audit-events?targetId=${id}`, { token });
    expect(audit.body.items.map((event: { action: string }) => event.action)).toContain('connection.token_rotated');

    // OAuth clients and Accredible keys have no such clock.
    const viaOAuth = await app().call('POST', '/api/v1/connections', { token, body: credlyBody({ authorizationToken: undefined, oauth: oauthClient }) });
    expect(viaOAuth.body).toMatchObject({ token: null, warnings: [] });
    const future = await app().call('POST', '/api/v1/connections', { token, body: credlyBody({ tokenIssuedAt: new Date(Date.now() + day).toISOString() }) });
    expect(future.status).toBe(400);
    expect(future.body.errors[0].field).toBe('body/tokenIssuedAt');
  });

  it('names the offending fields of an invalid body', async () => {
    const { token } = await setup(app(), 'Connections Validation');
    const fieldsOf = async (method: string, path: string, body: unknown) => {
      const response = await app().call(method, path, { token, body });
      expect(response.status).toBe(400);
      expectNoSecret(response.text);
      return response.body.errors.map((error: { field: string }) => error.field);
    };
    expect(await fieldsOf('POST', '/api/v1/connections', credlyBody({ organizationId: undefined, environment: 'staging' }))).toEqual(
      expect.arrayContaining(['body/organizationId', 'body/environment']),
    );
    expect(await fieldsOf('POST', '/api/v1/connections', accredibleBody({ region: 'mars', authorizationToken: credlyToken }))).toEqual(
      expect.arrayContaining(['body/region', 'body/authorizationToken']),
    );
    expect(await fieldsOf('POST', '/api/v1/connections', { provider: 'badgr', name: 'x' })).toEqual(['body/provider']);
    expect(await fieldsOf('POST', '/api/v1/connections', credlyBody({ oauth: oauthClient }))).toEqual(['body/oauth']);
    expect(await fieldsOf('POST', '/api/v1/connections', credlyBody({ authorizationToken: undefined }))).toEqual(['body/authorizationToken']);
    expect(await fieldsOf('POST', '/api/v1/connections', accredibleBody({ apiBaseUrl: 'ftp://example.org' }))).toEqual(['body/apiBaseUrl']);

    const acc = await app().call('POST', '/api/v1/connections', { token, body: accredibleBody() });
    expect(await fieldsOf('PATCH', `/api/v1/connections/${acc.body.id}`, { organizationId: 'x', environment: 'sandbox' })).toEqual(['body/organizationId', 'body/environment']);
  });

  it("keeps each organisation's connections to itself and requires the admin scope", async () => {
    const owner = await setup(app(), 'Connections Owner');
    const intruder = await setup(app(), 'Connections Intruder');
    const created = await app().call('POST', '/api/v1/connections', { token: owner.token, body: accredibleBody() });
    const id = created.body.id as string;
    for (const [method, path, body] of [
      ['GET', `/api/v1/connections/${id}`],
      ['PATCH', `/api/v1/connections/${id}`, { name: 'Mine now' }],
      ['POST', `/api/v1/connections/${id}/test`],
      ['DELETE', `/api/v1/connections/${id}`],
    ] as const) {
      expect((await app().call(method, path, { token: intruder.token, body })).status).toBe(404);
    }
    expect((await app().call('GET', '/api/v1/connections', { token: intruder.token })).body.items).toEqual([]);
    expect((await app().call('GET', `/api/v1/connections/${id}`, { token: owner.token })).body.name).toBe('Accredible');

    const reader = await app().token(owner.org.client.client_id, owner.org.client.client_secret!, 'badges:read badges:write');
    expect((await app().call('GET', '/api/v1/connections', { token: reader })).status).toBe(403);
  });
});

describeEachApp(
  'provider template sync',
  (app) => {
    let credly: FakeCredly;
    let credlyOrgId: string;
    beforeAll(async () => {
      credly = await startFakeCredly({ pageSize: 2 });
      credlyOrgId = credly.state.addOrganization({ name: 'Sync on Credly', authorizationTokens: [{ token: credlyToken, write: true }] }).id;
    });
    afterAll(async () => {
      await credly.close();
    });

    it('syncs every page, marks archived templates, and detaches deleted ones on the next sync', async () => {
      const { token } = await setup(app(), 'Template Sync');
      const names = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo'];
      const templates = names.map((name) => credly.state.addTemplate({ organizationId: credlyOrgId, name }));
      credly.state.changeTemplateState(templates[3]!.id, 'archived');
      const connection = await app().call('POST', '/api/v1/connections', {
        token,
        body: { provider: 'credly', name: 'Credly', organizationId: credlyOrgId, authorizationToken: credlyToken, environment: 'sandbox', apiBaseUrl: credly.apiBaseUrl, oauthTokenUrl: credly.oauthTokenUrl },
      });
      const sync = async () => {
        const started = await app().call('POST', `/api/v1/connections/${connection.body.id}/sync`, { token, body: {} });
        expect(started.status).toBe(202);
        const job = await waitFor(
          () => app().call('GET', `/api/v1/jobs/${started.body.jobId}`, { token }),
          (r) => r.body.status === 'done' || r.body.status === 'failed',
        );
        expect(job.body.status).toBe('done');
        return (await app().call('GET', `/api/v1/connections/${connection.body.id}/templates`, { token })).body.items as { name: string; state: string }[];
      };

      const first = await sync();
      expect(first.map((t) => [t.name, t.state])).toEqual([
        ['Alpha', 'active'],
        ['Bravo', 'active'],
        ['Charlie', 'active'],
        ['Delta', 'archived'],
        ['Echo', 'active'],
      ]);
      expect(credly.requests.filter((r) => r.path.includes('/badge_templates')).length).toBeGreaterThanOrEqual(3);

      credly.state.deleteTemplate(templates[1]!.id);
      const second = await sync();
      expect(second.find((t) => t.name === 'Bravo')?.state).toBe('deleted');
      expect(second.filter((t) => t.state !== 'deleted')).toHaveLength(4);
      const shown = await app().call('GET', `/api/v1/connections/${connection.body.id}`, { token });
      expect(shown.body.lastSyncedAt).toEqual(expect.any(String));
    });
  },
  {},
  { runWorkers: true },
);
