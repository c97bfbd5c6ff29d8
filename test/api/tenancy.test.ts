import { expect, it } from 'vitest';
import { enqueue } from '../../src/jobs/queue.js';
import { describeEachApp } from '../support/app.js';

describeEachApp('tenant isolation', (app) => {
  it("gives a client of organisation A a 404 for anything of organisation B", async () => {
    const a = await app().organization('Org A');
    const b = await app().organization('Org B');
    const tokenA = await app().token(a.client.client_id, a.client.client_secret!);
    const tokenB = await app().token(b.client.client_id, b.client.client_secret!);
    const jobB = await enqueue(app().database.db, 'test.nothing', {}, { organizationId: b.organization.id });

    const probes: [string, string][] = [
      ['GET', `/api/v1/clients/${b.client.client_id}`],
      ['POST', `/api/v1/clients/${b.client.client_id}/rotate`],
      ['POST', `/api/v1/clients/${b.client.client_id}/revoke`],
      ['GET', `/api/v1/members/${b.admin.personId}`],
      ['PATCH', `/api/v1/members/${b.admin.personId}`],
      ['DELETE', `/api/v1/members/${b.admin.personId}`],
      ['GET', `/api/v1/jobs/${jobB}`],
      ['POST', `/api/v1/jobs/${jobB}/retry`],
    ];
    for (const [method, path] of probes) {
      const body = method === 'PATCH' ? { role: 'viewer' } : method === 'POST' ? {} : undefined;
      const response = await app().call(method, path, { token: tokenA, body });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.code).toBe('not_found');
    }
    // …and B's things are untouched and visible to B.
    const own = await app().call('GET', `/api/v1/clients/${b.client.client_id}`, { token: tokenB });
    expect(own.status).toBe(200);
    expect(own.body.revokedAt).toBeNull();
    const listA = await app().call('GET', '/api/v1/clients', { token: tokenA });
    expect(listA.body.items.map((c: { id: string }) => c.id)).toEqual([a.client.client_id]);
    const auditA = await app().call('GET', '/api/v1/audit-events', { token: tokenA });
    expect(auditA.body.items.every((e: { target: { id: string } | null }) => e.target?.id !== b.client.client_id)).toBe(true);
  });
});

describeEachApp('members and roles', (app) => {
  it('adds a member with a one-time password, changes roles and protects the last owner', async () => {
    const org = await app().organization('Members Org');
    const token = await app().token(org.client.client_id, org.client.client_secret!);
    const added = await app().call('POST', '/api/v1/members', { token, body: { email: 'issuer@example.org', role: 'issuer' } });
    expect(added.status).toBe(201);
    expect(added.body.oneTimePassword).toMatch(/^\w{20}$/);
    const twice = await app().call('POST', '/api/v1/members', { token, body: { email: 'ISSUER@example.org', role: 'viewer' } });
    expect(twice.status).toBe(409);

    // An API client is not an owner: it cannot touch the owner role.
    const demoteOwner = await app().call('PATCH', `/api/v1/members/${org.admin.personId}`, { token, body: { role: 'viewer' } });
    expect(demoteOwner.status).toBe(403);
    const changed = await app().call('PATCH', `/api/v1/members/${added.body.member.personId}`, { token, body: { role: 'viewer' } });
    expect(changed.body.role).toBe('viewer');
    const list = await app().call('GET', '/api/v1/members', { token });
    expect(list.body.items.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      ['issuer@example.org', 'viewer'],
      ['owner@members-org.example', 'owner'],
    ]);
    const badRole = await app().call('PATCH', `/api/v1/members/${added.body.member.personId}`, { token, body: { role: 'king' } });
    expect(badRole.status).toBe(400);
    expect(badRole.body.code).toBe('validation_failed');
  });
});
