import { expect, it } from 'vitest';
import { describeEachApp } from '../support/app.js';

describeEachApp('audit log', (app) => {
  it('records who did what to which resource, newest first, with the request id', async () => {
    const org = await app().organization('Audit Org');
    const token = await app().token(org.client.client_id, org.client.client_secret!);
    const created = await app().call('POST', '/api/v1/clients', { token, body: { name: 'audited', scopes: ['badges:read'] }, headers: { 'x-request-id': 'req-audit-1' } });
    await app().call('POST', `/api/v1/clients/${created.body.client.id}/revoke`, { token, body: {} });
    const log = await app().call('GET', '/api/v1/audit-events?limit=2', { token });
    expect(log.status).toBe(200);
    expect(log.body.items.map((e: { action: string }) => e.action)).toEqual(['client.revoked', 'client.created']);
    expect(log.body.items[1]).toMatchObject({
      actor: { type: 'client', id: org.client.client_id },
      target: { type: 'client', id: created.body.client.id },
      requestId: 'req-audit-1',
      details: { name: 'audited', scopes: ['badges:read'] },
    });
    expect(log.body.nextCursor).toEqual(expect.any(String));
    const rest = await app().call('GET', `/api/v1/audit-events?after=${log.body.nextCursor}`, { token });
    expect(rest.body.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['organization.created', 'member.added']));
  });

  it('writes nothing when the change fails', async () => {
    const org = await app().organization('Audit Org 2');
    const token = await app().token(org.client.client_id, org.client.client_secret!);
    const before = await app().call('GET', '/api/v1/audit-events?limit=200', { token });
    const conflict = await app().call('POST', '/api/v1/members', { token, body: { email: org.admin.email, role: 'viewer' } });
    expect(conflict.status).toBe(409);
    const after = await app().call('GET', '/api/v1/audit-events?limit=200', { token });
    expect(after.body.items).toEqual(before.body.items);
  });
});
