import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAccredible, type FakeAccredible } from '../../../test/fakes/accredible/server.js';
import type { FakeAccredibleIssuer } from '../../../test/fakes/accredible/state.js';
import { PermanentJobError, RetryLaterError } from '../../jobs/errors.js';
import type { IssueRequest } from '../adapter.js';
import { ProviderCredentialsError, ProviderRejectedError, ProviderUnavailableError } from '../errors.js';
import { AccredibleAdapter } from './adapter.js';
import type { AccredibleRevokeMode } from './config.js';
import { failure } from '../../../test/support/failure.js';

const apiKey = 'accredible-key-0123456789';
const now = new Date('2024-06-02T08:30:00Z');

let fake: FakeAccredible;
let issuer: FakeAccredibleIssuer;
let groupId: number;

beforeEach(async () => {
  fake = await startFakeAccredible({ maxPageSize: 2 });
  issuer = fake.state.addIssuer({ name: 'Acme Academy', apiKeys: [apiKey] });
  const design = fake.state.addDesign(issuer.id);
  groupId = fake.state.addGroup({ issuerId: issuer.id, courseName: 'Data Basics', primaryDesignId: design.id }).id;
});

afterEach(async () => {
  await fake.close();
});

/** Generous timeouts keep a loaded machine from failing ordinary calls; the hold test sets a short one. */
function adapter(options: { key?: string; revokeMode?: AccredibleRevokeMode; timeoutMs?: number } = {}): AccredibleAdapter {
  return new AccredibleAdapter(
    { apiKey: options.key ?? apiKey, region: 'sandbox', apiBaseUrl: `${fake.apiBaseUrl}/v1`, revokeMode: options.revokeMode ?? 'expire', timeoutMs: options.timeoutMs ?? 3000 },
    { clock: { now: () => now } },
  );
}

function issueRequest(overrides: Partial<IssueRequest> = {}): IssueRequest {
  return {
    awardId: 'awd_01jd8x0000000000000000000a',
    templateExternalId: String(groupId),
    recipient: { email: 'ada@example.org', firstName: 'Ada', lastName: 'Lovelace' },
    issuedAt: new Date('2024-06-01T10:00:00Z'),
    ...overrides,
  };
}

describe('connection', () => {
  it('authenticates with Token token=… and names the issuer', async () => {
    await expect(adapter().testConnection()).resolves.toEqual({ id: String(issuer.id), name: 'Acme Academy' });
    expect(fake.requests[0]?.authorization).toBe('token');
  });

  it('reports a wrong key as a credential problem without leaking it', async () => {
    const error = await failure(adapter({ key: 'wrong-key-987654' }).testConnection());
    expect(error).toBeInstanceOf(ProviderCredentialsError);
    expect(error.message).not.toContain('wrong-key-987654');
  });
});

describe('group sync', () => {
  it('lists only the connection’s own groups, over every page, with the design image', async () => {
    const sharedDesign = fake.state.addDesign(issuer.id);
    for (const courseName of ['Cloud', 'Security', 'Networking', 'Ethics']) {
      fake.state.addGroup({ issuerId: issuer.id, courseName, primaryDesignId: sharedDesign.id });
    }
    const gone = fake.state.addGroup({ issuerId: issuer.id, courseName: 'Retired' });
    gone.deleted = true;
    const other = fake.state.addIssuer({ name: 'Other Org', apiKeys: ['other-key-123456'] });
    fake.state.addGroup({ issuerId: other.id, courseName: 'Not ours' });

    const groups = [];
    for await (const group of adapter().listTemplates()) groups.push(group);

    expect(groups.map((g) => g.name)).toEqual(['Data Basics', 'Cloud', 'Security', 'Networking', 'Ethics']);
    expect(groups[0]).toEqual({
      externalId: String(groupId),
      name: 'Data Basics',
      description: 'Data Basics description',
      imageUrl: fake.state.designs.get(fake.state.groups.get(groupId)!.primaryDesignId!)!.rasterizedContentUrl,
      state: 'active',
    });
    expect(groups[1]?.imageUrl).toBe(sharedDesign.rasterizedContentUrl);
    expect(fake.requests.filter((r) => r.path === '/v1/issuer/groups/search')).toHaveLength(3);
    // A design shared by four groups is fetched once.
    expect(fake.requests.filter((r) => r.path.startsWith('/v1/designs/'))).toHaveLength(2);
  });
});

describe('issue and revoke', () => {
  it('creates a published credential for the group and reads its state', async () => {
    const credential = await adapter().issue(issueRequest({ expiresAt: new Date('2026-06-01T00:00:00Z') }));
    expect(credential).toMatchObject({ state: 'accepted', providerState: 'published', url: `https://www.credential.net/${credential.externalId}` });
    expect(fake.requests.find((r) => r.method === 'POST')?.body).toEqual({
      credential: {
        recipient: { name: 'Ada Lovelace', email: 'ada@example.org' },
        group_id: groupId,
        issued_on: '2024-06-01',
        expired_on: '2026-06-01',
        complete: true,
        approve: true,
        meta_data: { laurel_award_id: issueRequest().awardId, laurel_issued_at: '2024-06-01T10:00:00.000Z' },
      },
    });
    await expect(adapter().getBadgeState(credential.externalId)).resolves.toMatchObject({ state: 'accepted' });
  });

  it('revokes by expiring now with an explicit UTC timestamp', async () => {
    const { externalId } = await adapter().issue(issueRequest());
    await expect(adapter({ revokeMode: 'expire' }).revoke(externalId, 'penalty')).resolves.toMatchObject({ state: 'expired' });
    expect(fake.state.credentials.get(Number(externalId))?.expiredOn).toBe('2024-06-02T08:30:00Z');
    await expect(adapter().getBadgeState(externalId)).resolves.toMatchObject({ state: 'expired' });
  });

  it('revokes by deletion, and repeating it is harmless', async () => {
    const { externalId } = await adapter().issue(issueRequest());
    const deleting = adapter({ revokeMode: 'delete' });
    await expect(deleting.revoke(externalId, 'penalty')).resolves.toMatchObject({ state: 'revoked', providerState: 'deleted' });
    expect(fake.state.credentials.get(Number(externalId))?.deleted).toBe(true);
    await expect(deleting.revoke(externalId, 'penalty')).resolves.toMatchObject({ state: 'revoked' });
    await expect(deleting.getBadgeState(externalId)).resolves.toMatchObject({ state: 'revoked' });
  });

  it('fails permanently with Accredible’s message on a validation error', async () => {
    const error = await failure(adapter().issue(issueRequest({ recipient: { email: 'nope', firstName: 'Ada', lastName: 'L' } })));
    expect(error).toBeInstanceOf(ProviderRejectedError);
    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as ProviderRejectedError).providerMessage).toBe('recipient.email is invalid');
  });
});

describe('failures', () => {
  it('honours Retry-After and retries 5xx and timeouts', async () => {
    fake.injectFault({ method: 'POST', path: '/v1/credentials', times: 1, fault: { kind: 'status', status: 429, retryAfter: '3' } });
    await expect(adapter().issue(issueRequest())).rejects.toSatisfy((e) => e instanceof RetryLaterError && e.delayMs === 3000);

    fake.injectFault({ path: '/v1/issuer/details', times: 1, fault: { kind: 'status', status: 500 } });
    await expect(adapter().testConnection()).rejects.toBeInstanceOf(ProviderUnavailableError);

    fake.injectFault({ path: '/v1/issuer/details', times: 1, fault: { kind: 'hold' } });
    await expect(adapter({ timeoutMs: 200 }).testConnection()).rejects.toThrow('did not answer within 200 ms');
  });

  it('finds the credential after an accepted issue whose response was lost', async () => {
    fake.injectFault({ method: 'POST', path: '/v1/credentials', times: 1, fault: { kind: 'lose-response' } });
    const lost = await failure(adapter().issue(issueRequest()));
    expect((lost as ProviderUnavailableError).details.outcomeUnknown).toBe(true);

    const found = await adapter().findExisting(issueRequest());
    const created = fake.state.credentialsOf(issuer.id);
    expect(created).toHaveLength(1);
    expect(found?.externalId).toBe(String(created[0]?.id));
  });

  it('ignores the recipient’s other credentials in the group', async () => {
    await adapter().issue(issueRequest({ awardId: 'awd_other' }));
    await adapter().issue(issueRequest({ issuedAt: new Date('2023-01-01T00:00:00Z') }));
    await expect(adapter().findExisting(issueRequest())).resolves.toBeNull();
  });
});
