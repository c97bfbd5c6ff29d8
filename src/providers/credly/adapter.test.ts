import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeCredly, type FakeCredly } from '../../../test/fakes/credly/server.js';
import type { FakeCredlyOrganization } from '../../../test/fakes/credly/state.js';
import { PermanentJobError, RetryLaterError } from '../../jobs/errors.js';
import type { IssueRequest } from '../adapter.js';
import { ProviderCredentialsError, ProviderRejectedError, ProviderRetryLaterError, ProviderUnavailableError } from '../errors.js';
import { CredlyAdapter } from './adapter.js';
import type { CredlyCredentials } from './config.js';
import { failure } from '../../../test/support/failure.js';

const token = 'credly-token-0123456789';
const oauth = { clientId: 'laurel-client', clientSecret: 'laurel-client-secret-xyz' };

let fake: FakeCredly;
let organization: FakeCredlyOrganization;
let templateId: string;

beforeEach(async () => {
  fake = await startFakeCredly({ pageSize: 2 });
  organization = fake.state.addOrganization({ name: 'Acme Academy', authorizationTokens: [{ token, write: true }], oauthClients: [oauth] });
  templateId = fake.state.addTemplate({ organizationId: organization.id, name: 'Data Basics' }).id;
});

afterEach(async () => {
  await fake.close();
});

/** Generous timeouts keep a loaded machine from failing ordinary calls; the hold test sets a short one. */
function adapter(credentials: CredlyCredentials = { kind: 'authorization-token', authorizationToken: token }, organizationId = organization.id, timeoutMs = 3000): CredlyAdapter {
  return new CredlyAdapter(
    { organizationId, credentials, environment: 'sandbox', apiBaseUrl: fake.apiBaseUrl, oauthTokenUrl: fake.oauthTokenUrl, timeoutMs },
    { clock: { now: () => new Date('2024-06-02T00:00:00Z') } },
  );
}

function issueRequest(overrides: Partial<IssueRequest> = {}): IssueRequest {
  return {
    awardId: 'awd_01jd8x0000000000000000000a',
    templateExternalId: templateId,
    recipient: { email: 'ada@example.org', firstName: 'Ada', lastName: 'Lovelace' },
    issuedAt: new Date('2024-06-01T10:00:00Z'),
    ...overrides,
  };
}

describe('authentication', () => {
  it('uses the authorization token as HTTP Basic', async () => {
    await expect(adapter().testConnection()).resolves.toEqual({ id: organization.id, name: 'Acme Academy' });
    expect(fake.requests.map((r) => r.authorization)).toEqual(['basic']);
  });

  it('exchanges OAuth client credentials for a bearer token and reuses it', async () => {
    const credly = adapter({ kind: 'oauth', ...oauth });
    await credly.testConnection();
    await credly.testConnection();
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.authorization}`)).toEqual([
      'POST /oauth/token none',
      `GET /v1/organizations/${organization.id} bearer`,
      `GET /v1/organizations/${organization.id} bearer`,
    ]);
  });

  it('fetches a fresh token once when Credly stops accepting the cached one', async () => {
    const credly = adapter({ kind: 'oauth', ...oauth });
    await credly.testConnection();
    fake.state.accessTokens.clear();
    await expect(credly.testConnection()).resolves.toMatchObject({ name: 'Acme Academy' });
    expect(fake.requests.filter((r) => r.path === '/oauth/token')).toHaveLength(2);
  });

  it('names the credential problem without leaking the secret', async () => {
    const wrongToken = await failure(adapter({ kind: 'authorization-token', authorizationToken: 'not-the-token-999' }).testConnection());
    expect(wrongToken).toBeInstanceOf(ProviderCredentialsError);
    expect(wrongToken).toBeInstanceOf(PermanentJobError);
    expect(wrongToken.message).toMatch(/credentials \(HTTP 401\)/);
    expect(wrongToken.message).not.toContain('not-the-token-999');

    const wrongClient = await failure(adapter({ kind: 'oauth', clientId: oauth.clientId, clientSecret: 'wrong-secret-123' }).testConnection());
    expect(wrongClient).toMatchObject({ name: 'ProviderCredentialsError', status: 401 });
    expect(fake.requests.filter((r) => r.path === '/oauth/token')).toHaveLength(1);

    const other = fake.state.addOrganization({ name: 'Other', authorizationTokens: [{ token: 'other-token-456789', write: true }] });
    const foreign = await failure(adapter({ kind: 'authorization-token', authorizationToken: 'other-token-456789' }, organization.id).testConnection());
    expect(foreign).toMatchObject({ name: 'ProviderCredentialsError', status: 403 });
    expect(other.id).not.toBe(organization.id);
  });

  it('refuses writes with a read-only token as a credential problem', async () => {
    organization.authorizationTokens.push({ token: 'read-only-token-42', write: false });
    const error = await failure(adapter({ kind: 'authorization-token', authorizationToken: 'read-only-token-42' }).issue(issueRequest()));
    expect(error).toMatchObject({ name: 'ProviderCredentialsError', status: 403 });
    expect(error.message).toContain('write access');
  });
});

describe('template sync', () => {
  it('follows next_page_url over three pages and reports archived templates', async () => {
    for (const name of ['Cloud Basics', 'Security Basics', 'Old Course', 'Networking']) {
      fake.state.addTemplate({ organizationId: organization.id, name });
    }
    const archived = [...fake.state.templates.values()].find((t) => t.name === 'Old Course')!;
    fake.state.changeTemplateState(archived.id, 'archived');
    const deleted = fake.state.addTemplate({ organizationId: organization.id, name: 'Gone' });
    fake.state.deleteTemplate(deleted.id);

    const templates = [];
    for await (const template of adapter().listTemplates()) templates.push(template);

    expect(templates).toHaveLength(5);
    expect(templates.find((t) => t.name === 'Old Course')?.state).toBe('archived');
    expect(templates.filter((t) => t.state === 'active')).toHaveLength(4);
    expect(templates[0]).toEqual({ externalId: templateId, name: 'Data Basics', description: 'Data Basics description', imageUrl: `https://images.credly.test/${templateId}.png`, state: 'active' });
    expect(fake.requests.filter((r) => r.path.endsWith('/badge_templates')).map((r) => r.query)).toEqual(['', '?page=2', '?page=3']);
  });
});

describe('issue and revoke', () => {
  it('issues with the award time, expiry, names, locale and award id, then revokes with the reason', async () => {
    const credly = adapter();
    const badge = await credly.issue(
      issueRequest({ expiresAt: new Date('2026-06-01T00:00:00Z'), locale: 'en-GB', recipient: { email: 'ada@example.org', firstName: 'Ada', middleName: 'King', lastName: 'Lovelace' } }),
    );
    expect(badge).toMatchObject({ state: 'pending', providerState: 'pending', issuerEarnerId: issueRequest().awardId, templateExternalId: templateId });

    const sent = fake.requests.find((r) => r.method === 'POST')?.body;
    expect(sent).toEqual({
      badge_template_id: templateId,
      recipient_email: 'ada@example.org',
      issued_to_first_name: 'Ada',
      issued_to_middle_name: 'King',
      issued_to_last_name: 'Lovelace',
      issued_at: '2024-06-01 10:00:00 +0000',
      expires_at: '2026-06-01 00:00:00 +0000',
      locale: 'en',
      issuer_earner_id: issueRequest().awardId,
    });
    expect(fake.state.badges.get(badge.externalId)?.issuedAt).toBe('2024-06-01T10:00:00.000Z');

    fake.state.changeBadgeState(badge.externalId, 'accepted');
    await expect(credly.getBadgeState(badge.externalId)).resolves.toMatchObject({ state: 'accepted' });

    await expect(credly.revoke(badge.externalId, 'Penalty: academic misconduct')).resolves.toMatchObject({ state: 'revoked' });
    expect(fake.state.badges.get(badge.externalId)?.revokeReason).toBe('Penalty: academic misconduct');
    // A retried revoke (first answer lost) still succeeds.
    await expect(credly.revoke(badge.externalId, 'Penalty: academic misconduct')).resolves.toMatchObject({ state: 'revoked' });
  });

  it('sends expires_at false for an award that never expires', async () => {
    await adapter().issue(issueRequest({ expiresAt: null }));
    expect(fake.requests.find((r) => r.method === 'POST')?.body).toMatchObject({ expires_at: false });
  });

  it('fails permanently with the provider message on a validation error', async () => {
    const error = await failure(adapter().issue(issueRequest({ recipient: { email: 'not-an-email', firstName: 'Ada', lastName: 'L' } })));
    expect(error).toBeInstanceOf(ProviderRejectedError);
    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as ProviderRejectedError).providerMessage).toBe('Validation failed: recipient_email is invalid');

    fake.state.changeTemplateState(templateId, 'archived');
    const archived = await failure(adapter().issue(issueRequest()));
    expect(archived.message).toContain('archived or draft badge template');
  });
});

describe('failures', () => {
  it('honours Retry-After on 429', async () => {
    fake.injectFault({ method: 'POST', path: /\/badges$/, times: 1, fault: { kind: 'status', status: 429, retryAfter: '7' } });
    const error = await failure(adapter().issue(issueRequest()));
    expect(error).toBeInstanceOf(ProviderRetryLaterError);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect((error as RetryLaterError).delayMs).toBe(7000);
  });

  it('retries 5xx and timeouts with backoff', async () => {
    fake.injectFault({ path: /badge_templates/, times: 1, fault: { kind: 'status', status: 503 } });
    const unavailable = await failure(adapter().listTemplates()[Symbol.asyncIterator]().next());
    expect(unavailable).toBeInstanceOf(ProviderUnavailableError);
    expect(unavailable).not.toBeInstanceOf(PermanentJobError);

    fake.injectFault({ method: 'GET', times: 1, fault: { kind: 'hold' } });
    const timeout = await failure(adapter(undefined, organization.id, 200).testConnection());
    expect(timeout).toBeInstanceOf(ProviderUnavailableError);
    expect(timeout.message).toContain('did not answer within 200 ms');
    expect((timeout as ProviderUnavailableError).details.outcomeUnknown).toBe(false);
  });

  it('finds the badge after an accepted issue whose response was lost, so nothing is issued twice', async () => {
    const credly = adapter();
    fake.injectFault({ method: 'POST', path: /\/badges$/, times: 1, fault: { kind: 'lose-response' } });
    const lost = await failure(credly.issue(issueRequest()));
    expect(lost).toBeInstanceOf(ProviderUnavailableError);
    expect((lost as ProviderUnavailableError).details.outcomeUnknown).toBe(true);

    const found = await credly.findExisting(issueRequest());
    expect(found?.externalId).toBe(fake.state.badgesOf(organization.id)[0]?.id);
    expect(fake.state.badgesOf(organization.id)).toHaveLength(1);
    // Issuing blindly instead would be refused as a duplicate.
    await expect(credly.issue(issueRequest())).rejects.toThrow('User already has this badge');
  });

  it('does not mistake another award or an earlier issue for this one', async () => {
    const credly = adapter();
    await expect(credly.findExisting(issueRequest())).resolves.toBeNull();
    await credly.issue(issueRequest({ awardId: 'awd_other' }));
    await expect(credly.findExisting(issueRequest())).resolves.toBeNull();
    const reawarded = issueRequest({ awardId: 'awd_other', issuedAt: new Date('2025-01-01T00:00:00Z') });
    await expect(credly.findExisting(reawarded)).resolves.toBeNull();
  });

  it('masks the connection secret in provider messages', async () => {
    fake.injectFault({ times: 1, fault: { kind: 'status', status: 422, body: { data: { message: `token ${token} is odd` } } } });
    const error = await failure(adapter().testConnection());
    expect(error.message).toContain('token [redacted] is odd');
    expect(error.message).not.toContain(token);
  });
});

describe('webhooks', () => {
  let receiver: Server;
  let received: { id: string; organization_id: string; event_type: string; occurred_at: string }[];

  beforeEach(async () => {
    received = [];
    let calls = 0;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        calls++;
        // The first delivery fails, as a receiver that is briefly down would.
        if (calls === 1) return res.writeHead(503).end();
        received.push(JSON.parse(body) as (typeof received)[number]);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    fake.webhooks.configure({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/credly/conn_1`, retryDelaysMs: [10, 10] });
  });

  afterEach(async () => {
    await fake.webhooks.settled();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('retries the notification and lets the receiver verify it by fetching the event', async () => {
    const credly = adapter();
    const badge = await credly.issue(issueRequest());
    const accepted = fake.state.changeBadgeState(badge.externalId, 'accepted');
    await fake.webhooks.settled();

    expect(fake.webhooks.deliveries.slice(0, 2).map((d) => d.outcome)).toEqual([503, 200]);
    const notification = received.find((n) => n.id === accepted.id);
    expect(notification).toEqual({ id: accepted.id, organization_id: organization.id, event_type: 'badge.state.changed', occurred_at: accepted.occurredAt });

    const event = await credly.fetchWebhookEvent(notification!.id);
    expect(event).toMatchObject({ id: accepted.id, eventType: 'badge.state.changed', badge: { externalId: badge.externalId, state: 'accepted', issuerEarnerId: issueRequest().awardId } });

    fake.state.changeTemplateState(templateId, 'archived');
    const changed = [...fake.state.events.values()].at(-1)!;
    await expect(credly.fetchWebhookEvent(changed.id)).resolves.toMatchObject({ eventType: 'badge_template.changed', template: { externalId: templateId, state: 'archived' } });
  });

  it('refuses an event id Credly does not know for this organisation', async () => {
    const error = await failure(adapter().fetchWebhookEvent('00000000-0000-0000-0000-000000000000'));
    expect(error).toMatchObject({ name: 'ProviderRejectedError', status: 404 });
  });
});
