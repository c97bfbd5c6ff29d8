import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeAccredible, type FakeAccredible } from '../fakes/accredible/server.js';
import { startFakeCredly, type FakeCredly } from '../fakes/credly/server.js';
import { describeEachApp, type TestApp, type TestResponse } from '../support/app.js';
import { setUpIssuing, waitFor } from '../support/issuing.js';

const credlyToken = 'credly-issuing-token-0123456789';
const accredibleKey = 'accredible-issuing-key-0123456789';

/** Awards delivered through Credly and Accredible: the provider gets each award exactly once, through failures. */
describeEachApp(
  'issuing through providers',
  (app) => {
    let credly: FakeCredly;
    let accredible: FakeAccredible;

    beforeAll(async () => {
      [credly, accredible] = await Promise.all([startFakeCredly(), startFakeAccredible()]);
    });
    afterAll(async () => {
      await Promise.all([credly.close(), accredible.close()]);
    });

    /** An organisation with a synced Credly connection and a badge class linked to one of its templates. */
    async function credlyBadgeClass(name: string, link: Record<string, unknown> = {}) {
      const credlyOrg = credly.state.addOrganization({ name: `${name} on Credly`, authorizationTokens: [{ token: `${credlyToken}-${name.replace(/\W/g, '')}`, write: true }] });
      const template = credly.state.addTemplate({ organizationId: credlyOrg.id, name: 'Cloud Practitioner' });
      const setup = await setUpIssuing(app(), name);
      const call = (method: string, path: string, body?: unknown) => app().call(method, path, { token: setup.token, body });
      const connection = await call('POST', '/api/v1/connections', {
        provider: 'credly',
        name: 'Credly',
        organizationId: credlyOrg.id,
        authorizationToken: credlyOrg.authorizationTokens[0]!.token,
        environment: 'sandbox',
        apiBaseUrl: credly.apiBaseUrl,
        oauthTokenUrl: credly.oauthTokenUrl,
      });
      expect(connection.status).toBe(201);
      await syncTemplates(app(), setup.token, connection.body.id);
      const linked = await call('PATCH', `/api/v1/badge-classes/${setup.badgeClassId}`, { issuingBackend: { connectionId: connection.body.id, templateId: template.id, ...link } });
      expect(linked.status).toBe(200);
      return { ...setup, call, credlyOrg, template, connectionId: connection.body.id as string, badgeClass: linked.body };
    }

    type Call = (method: string, path: string, body?: unknown) => Promise<TestResponse>;
    /** The provider part of an award as the API shows it. */
    type Provider = { state: string; externalId: string | null; error: string | null; attempts: number };

    const award = (call: Call, badgeClassId: string, email: string, name = 'Grace Brewster Hopper') =>
      call('POST', '/api/v1/awards', { badgeClassId, recipient: { email, name }, issuedOn: '2026-03-01T09:30:00Z' });

    const providerState = (call: Call, awardId: string, ready: (provider: Provider) => boolean) =>
      waitFor(
        async () => (await call('GET', `/api/v1/awards/${awardId}`)).body,
        (body) => body.provider !== null && ready(body.provider),
      );

    it('links a badge class to a synced, active Credly template of its own organisation only', async () => {
      const { call, token, badgeClass, connectionId, template, credlyOrg, badgeClassId } = await credlyBadgeClass('Link Rules');
      expect(badgeClass.issuingBackend).toEqual({ connectionId, templateId: expect.stringMatching(/^tpl_/), ownCredential: false });

      const archived = credly.state.addTemplate({ organizationId: credlyOrg.id, name: 'Retired' });
      credly.state.changeTemplateState(archived.id, 'archived');
      await syncTemplates(app(), token, connectionId);
      const refused = await call('PATCH', `/api/v1/badge-classes/${badgeClassId}`, { issuingBackend: { connectionId, templateId: archived.id } });
      expect(refused.status).toBe(422);
      expect(refused.body.errors[0].field).toBe('body/issuingBackend/templateId');
      expect(refused.body.errors[0].message).toContain('archived');

      const unknown = await call('PATCH', `/api/v1/badge-classes/${badgeClassId}`, { issuingBackend: { connectionId, templateId: 'no-such-template' } });
      expect(unknown.status).toBe(422);

      // Another organisation's connection reads as missing.
      const other = await setUpIssuing(app(), 'Link Rules Other');
      const stranger = await app().call('POST', '/api/v1/badge-classes', {
        token: other.token,
        body: { name: 'Borrowed', description: 'Not theirs.', issuerId: other.issuerId, imageId: other.imageId, criteria: { narrative: 'x' }, issuingBackend: { connectionId, templateId: template.id } },
      });
      expect(stranger.status).toBe(422);
      expect(stranger.body.errors[0].field).toBe('body/issuingBackend/connectionId');

      // A linked connection cannot be deleted; unlinking frees it.
      expect((await call('DELETE', `/api/v1/connections/${connectionId}`)).status).toBe(409);
      const unlinked = await call('PATCH', `/api/v1/badge-classes/${badgeClassId}`, { issuingBackend: null });
      expect(unlinked.body.issuingBackend).toBeNull();
      expect((await call('DELETE', `/api/v1/connections/${connectionId}`)).status).toBe(204);
    });

    it('delivers a manual award to Credly with its own time, names and award id, and shows the provider state', async () => {
      const { call, badgeClassId, credlyOrg, template } = await credlyBadgeClass('Manual Credly');
      const created = await award(call, badgeClassId, 'grace@example.edu');
      expect(created.status).toBe(201);
      expect(created.body.links).toBeNull();
      expect(created.body.provider).toMatchObject({ state: 'queued', externalId: null, error: null });
      expect((await app().call('GET', `/awards/${created.body.id}/credential`)).status).toBe(404);

      const delivered = await providerState(call, created.body.id, (p) => p.state === 'pending');
      const [badge] = credly.state.badgesOf(credlyOrg.id);
      expect(badge).toMatchObject({
        templateId: template.id,
        recipientEmail: 'grace@example.edu',
        firstName: 'Grace Brewster',
        lastName: 'Hopper',
        issuerEarnerId: created.body.id,
        issuedAt: '2026-03-01T09:30:00.000Z',
      });
      expect(delivered.provider).toMatchObject({ externalId: badge!.id, state: 'pending', providerState: 'pending', error: null, attempts: 1, createdAt: expect.any(String) });
      expect(Date.parse(delivered.provider.updatedAt)).toBeGreaterThanOrEqual(Date.parse(delivered.provider.createdAt));

      // Revoking the award revokes the Credly badge with the reason.
      const revoked = await call('POST', `/api/v1/awards/${created.body.id}/revoke`, { reason: 'Issued to the wrong person' });
      expect(revoked.status).toBe(200);
      await providerState(call, created.body.id, (p) => p.state === 'revoked');
      expect(credly.state.badges.get(badge!.id)).toMatchObject({ state: 'revoked', revokeReason: 'Issued to the wrong person' });
    });

    it('signs its own credential alongside when the badge class asks for both', async () => {
      const { call, badgeClassId, credlyOrg } = await credlyBadgeClass('Both Credentials', { ownCredential: true });
      const created = await award(call, badgeClassId, 'both@example.edu');
      expect(created.body.links.credential).toEqual(expect.any(String));
      expect((await app().call('GET', `/awards/${created.body.id}/credential`)).status).toBe(200);
      await providerState(call, created.body.id, (p) => p.state === 'pending');
      expect(credly.state.badgesOf(credlyOrg.id)).toHaveLength(1);
    });

    it('rides out an outage: retries with backoff, shows the failure meanwhile, and delivers once it is over', async () => {
      const { call, badgeClassId, credlyOrg } = await credlyBadgeClass('Outage');
      credly.injectFault({ method: 'POST', path: `/v1/organizations/${credlyOrg.id}/badges`, fault: { kind: 'status', status: 503 } });
      const awards = await Promise.all(['a', 'b', 'c'].map((who) => award(call, badgeClassId, `${who}@outage.example.edu`)));
      // Every award keeps trying and says why it has not arrived yet.
      for (const created of awards) {
        const waiting = await providerState(call, created.body.id, (p) => p.attempts >= 2);
        expect(waiting.provider).toMatchObject({ state: 'queued', externalId: null, error: expect.stringContaining('503') });
      }
      // Five minutes pass: the retries come due again while Credly is still down.
      await advanceDeliveryJobs(app());
      await waitFor(
        async () => Promise.all(awards.map(async (created) => (await call('GET', `/api/v1/awards/${created.body.id}`)).body.provider.attempts as number)),
        (attempts) => attempts.every((n) => n >= 3),
      );
      expect(credly.state.badgesOf(credlyOrg.id)).toHaveLength(0);

      credly.clearFaults();
      await advanceDeliveryJobs(app());
      for (const created of awards) await providerState(call, created.body.id, (p) => p.state === 'pending' && p.error === null);
      const badges = credly.state.badgesOf(credlyOrg.id);
      expect(badges.map((b) => b.recipientEmail).sort()).toEqual(['a@outage.example.edu', 'b@outage.example.edu', 'c@outage.example.edu']);
    });

    it('finds the badge Credly created when its answer was lost, instead of issuing twice', async () => {
      const { call, badgeClassId, credlyOrg } = await credlyBadgeClass('Lost Answer');
      credly.injectFault({ method: 'POST', path: `/v1/organizations/${credlyOrg.id}/badges`, times: 1, fault: { kind: 'lose-response' } });
      const created = await award(call, badgeClassId, 'lost@example.edu');
      await advanceDeliveryJobsUntil(app(), () => call('GET', `/api/v1/awards/${created.body.id}`), (body) => body.provider.state === 'pending');
      const badges = credly.state.badgesOf(credlyOrg.id);
      expect(badges).toHaveLength(1);
      const shown = (await call('GET', `/api/v1/awards/${created.body.id}`)).body;
      expect(shown.provider).toMatchObject({ externalId: badges[0]!.id, attempts: 2, error: null });
      const issues = credly.requests.filter((r) => r.method === 'POST' && r.path === `/v1/organizations/${credlyOrg.id}/badges`);
      expect(issues).toHaveLength(1);
    });

    it('shows a refusal at once as an error, and a retry through the API delivers once the cause is fixed', async () => {
      const { call, badgeClassId, template } = await credlyBadgeClass('Refusal');
      credly.state.changeTemplateState(template.id, 'archived');
      const created = await award(call, badgeClassId, 'refused@example.edu');
      const failed = await providerState(call, created.body.id, (p) => p.state === 'error');
      expect(failed.provider.error).toContain('archived');
      expect(failed.provider.attempts).toBe(1);

      credly.state.changeTemplateState(template.id, 'active');
      const retried = await call('POST', `/api/v1/awards/${created.body.id}/provider/retry`, {});
      expect(retried.status).toBe(202);
      expect(retried.body.provider).toMatchObject({ state: 'queued', error: null });
      await providerState(call, created.body.id, (p) => p.state === 'pending');

      const nothingToDo = await call('POST', `/api/v1/awards/${created.body.id}/provider/retry`, {});
      expect(nothingToDo.status).toBe(409);
      expect(nothingToDo.body.code).toBe('conflict');
      const audit = await call('GET', '/api/v1/audit-events?action=award.provider_retry');
      expect(audit.body.items.map((row: { target: { id: string } }) => row.target.id)).toContain(created.body.id);
    });

    it('keeps state true from Credly webhooks, trusting only events Credly serves', async () => {
      const { call, badgeClassId, credlyOrg, connectionId } = await credlyBadgeClass('Webhooks');
      credly.webhooks.configure({ url: `${app().baseUrl}/webhooks/credly/${connectionId}` });
      try {
        const created = await award(call, badgeClassId, 'hooked@example.edu');
        const { provider } = await providerState(call, created.body.id, (p) => p.state === 'pending');

        credly.state.changeBadgeState(provider.externalId, 'accepted');
        await providerState(call, created.body.id, (p) => p.state === 'accepted');

        // A forged notification about an event Credly does not know changes nothing.
        const forged = await app().call('POST', `/webhooks/credly/${connectionId}`, { body: { id: 'forged-event', organization_id: credlyOrg.id, event_type: 'badge.state.changed' } });
        expect(forged.status).toBe(200);
        const unknown = await app().call('POST', '/webhooks/credly/con_00000000000000000000000000', { body: { id: 'x' } });
        expect(unknown.status).toBe(404);

        // Revoked on Credly by an administrator there: the award is revoked in Laurel too.
        credly.state.changeBadgeState(provider.externalId, 'revoked');
        const revoked = await waitFor(
          async () => (await call('GET', `/api/v1/awards/${created.body.id}`)).body,
          (body) => body.status === 'revoked',
        );
        expect(revoked.provider.state).toBe('revoked');
        expect(revoked.revocationReason).toContain('Credly');
        expect((await call('GET', `/api/v1/awards/${created.body.id}`)).body.provider.state).toBe('revoked');
        await credly.webhooks.settled();
        expect(credly.webhooks.deliveries.every((d) => d.outcome === 200)).toBe(true);
      } finally {
        credly.webhooks.configure({ url: 'http://127.0.0.1:9/unused', retryDelaysMs: [] });
      }
    });

    it('delivers bulk awards and revokes on a rules penalty', async () => {
      const { call, badgeClassId, credlyOrg } = await credlyBadgeClass('Bulk And Rules');
      const bulk = await call('POST', '/api/v1/awards/bulk', { badgeClassId, rows: [1, 2, 3].map((n) => ({ email: `bulk${n}@example.edu`, name: `Bulk Learner${n}` })) });
      expect(bulk.status).toBe(202);
      await waitFor(
        async () => credly.state.badgesOf(credlyOrg.id).length,
        (count) => count === 3,
      );

      const completed = 'com.example.course.completed';
      const requirement = await call('POST', `/api/v1/badge-classes/${badgeClassId}/requirements`, { eventType: completed, rules: [{ path: 'score', op: 'gte', value: 70 }] });
      expect(requirement.status).toBe(201);
      const penalty = await call('POST', `/api/v1/badge-classes/${badgeClassId}/penalties`, { eventType: completed, rules: [{ path: 'score', op: 'lt', value: 70 }], requirementIds: [requirement.body.id] });
      expect(penalty.status).toBe(201);
      expect((await call('POST', `/api/v1/badge-classes/${badgeClassId}/activate`, {})).status).toBe(200);
      const completion = (score: number, id: string) => ({
        id,
        type: completed,
        time: '2026-03-02T10:00:00Z',
        source: 'lms.example.edu',
        user: { id: '77', email: 'ruled@example.edu', name: 'Ruled Learner' },
        data: { course: 'course-v1:X+Y+Z', score },
      });
      expect((await call('POST', '/api/v1/events', completion(85, 'evt-pass'))).status).toBe(202);
      const ruled = await waitFor(
        async () => credly.state.badgesOf(credlyOrg.id).find((b) => b.recipientEmail === 'ruled@example.edu'),
        (badge) => badge !== undefined,
      );
      expect(ruled).toBeDefined();
      expect((await call('POST', '/api/v1/events', completion(40, 'evt-fail'))).status).toBe(202);
      const revoked = await waitFor(
        async () => credly.state.badges.get(ruled!.id)?.state,
        (state) => state === 'revoked',
      );
      expect(revoked).toBe('revoked');
      expect(credly.state.badgesOf(credlyOrg.id)).toHaveLength(4);
    });

    it('issues and revokes through Accredible', async () => {
      const issuer = accredible.state.addIssuer({ name: 'Acme on Accredible', apiKeys: [accredibleKey] });
      const group = accredible.state.addGroup({ issuerId: issuer.id, courseName: 'Data Literacy' });
      const { token, badgeClassId } = await setUpIssuing(app(), 'Accredible Issuing');
      const call = (method: string, path: string, body?: unknown) => app().call(method, path, { token, body });
      const connection = await call('POST', '/api/v1/connections', { provider: 'accredible', name: 'Accredible', apiKey: accredibleKey, region: 'sandbox', apiBaseUrl: accredible.apiBaseUrl });
      await syncTemplates(app(), token, connection.body.id);
      const linked = await call('PATCH', `/api/v1/badge-classes/${badgeClassId}`, { issuingBackend: { connectionId: connection.body.id, templateId: String(group.id) } });
      expect(linked.status).toBe(200);

      const created = await award(call, badgeClassId, 'ada@example.edu', 'Ada Lovelace');
      const delivered = await providerState(call, created.body.id, (p) => p.externalId !== null);
      const [credential] = accredible.state.credentialsOf(issuer.id);
      expect(credential).toMatchObject({ groupId: group.id, recipient: { email: 'ada@example.edu', name: 'Ada Lovelace' } });
      expect(delivered.provider.externalId).toBe(String(credential!.id));

      await call('POST', `/api/v1/awards/${created.body.id}/revoke`, { reason: 'Withdrawn' });
      await providerState(call, created.body.id, (p) => p.state === 'revoked');
      expect(accredible.state.credentialsOf(issuer.id)[0]!.expiredOn).toEqual(expect.any(String));
    });
  },
  {},
  { runWorkers: true },
);

async function syncTemplates(app: TestApp, token: string, connectionId: string): Promise<void> {
  const started = await app.call('POST', `/api/v1/connections/${connectionId}/sync`, { token, body: {} });
  if (started.status !== 202) throw new Error(`sync failed: ${started.status} ${started.text}`);
  const job = await waitFor(
    () => app.call('GET', `/api/v1/jobs/${started.body.jobId}`, { token }),
    (r) => r.body.status === 'done' || r.body.status === 'failed',
  );
  if (job.body.status !== 'done') throw new Error(`sync job ${job.body.status}: ${job.text}`);
}

/** Time passes for the delivery jobs waiting out their backoff: they are due now. */
async function advanceDeliveryJobs(app: TestApp): Promise<void> {
  await app.database.db.updateTable('jobs').set({ run_at: new Date(Date.now() - 1000) }).where('kind', '=', 'provider.deliver').where('status', '=', 'pending').execute();
  app.laurel.worker?.wake();
}

async function advanceDeliveryJobsUntil(app: TestApp, probe: () => Promise<TestResponse>, ready: (body: TestResponse['body']) => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ready((await probe()).body) && Date.now() < deadline) {
    await advanceDeliveryJobs(app);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
