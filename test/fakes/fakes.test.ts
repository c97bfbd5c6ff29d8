/** The fakes' own promises that the adapter tests do not exercise: how other real clients talk. */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAccredible } from './accredible/server.js';
import { startFakeCredly } from './credly/server.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('fake Credly', () => {
  it('accepts Basic base64(token) without the colon, as Open edX sends it', async () => {
    const fake = await startFakeCredly();
    closers.push(fake.close);
    const org = fake.state.addOrganization({ name: 'Acme', authorizationTokens: [{ token: 'test_api_key', write: true }] });
    const response = await fetch(`${fake.apiBaseUrl}/organizations/${org.id}`, { headers: { Authorization: 'Basic dGVzdF9hcGlfa2V5' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { name: 'Acme' } });
  });

  it('gives up on a webhook receiver after the configured retries', async () => {
    const fake = await startFakeCredly();
    closers.push(fake.close);
    fake.webhooks.configure({ url: `${fake.apiBaseUrl}/nowhere`, retryDelaysMs: [5, 5] });
    const org = fake.state.addOrganization({ name: 'Acme' });
    const event = fake.state.recordEvent(org.id, 'badge_template.created', {});
    await fake.webhooks.settled();
    // The receiver (a path the fake itself does not serve) keeps answering 404: one try, two retries.
    expect(fake.webhooks.deliveries.filter((d) => d.eventId === event.id).map((d) => d.outcome)).toEqual([404, 404, 404]);
  });

  it('serves OAuth tokens to client_secret_basic too, and refuses other grants', async () => {
    const fake = await startFakeCredly();
    closers.push(fake.close);
    fake.state.addOrganization({ name: 'Acme', oauthClients: [{ clientId: 'id', clientSecret: 'secret' }] });
    const basic = `Basic ${Buffer.from('id:secret').toString('base64')}`;
    const form = (grant: string) => ({ method: 'POST', headers: { Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' }, body: `grant_type=${grant}` });
    expect((await fetch(fake.oauthTokenUrl, form('client_credentials'))).status).toBe(200);
    expect((await fetch(fake.oauthTokenUrl, form('password'))).status).toBe(400);
  });
});

describe('fake Accredible', () => {
  it('accepts Bearer as Open edX sends it, and refuses a naive timestamp with an empty offset', async () => {
    const fake = await startFakeAccredible();
    closers.push(fake.close);
    const issuer = fake.state.addIssuer({ name: 'Acme', apiKeys: ['key-1'] });
    const group = fake.state.addGroup({ issuerId: issuer.id, courseName: 'Course' });
    const headers = { Authorization: 'Bearer key-1', 'Content-Type': 'application/json' };
    const created = await fetch(`${fake.apiBaseUrl}/v1/credentials`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ credential: { recipient: { name: 'Ada', email: 'ada@example.org' }, group_id: group.id, issued_on: '2024-06-01' } }),
    });
    const { credential } = (await created.json()) as { credential: { id: number; approve: boolean } };
    expect(credential.approve).toBe(false);
    const expired = await fetch(`${fake.apiBaseUrl}/v1/credentials/${credential.id}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ credential: { expired_on: '2024-06-01 10:00:00 ' } }),
    });
    expect(expired.status).toBe(422);
    expect(await expired.json()).toEqual({ errors: { expired_on: ['is invalid'] } });
  });
});
