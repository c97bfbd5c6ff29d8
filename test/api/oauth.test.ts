import { expect, it } from 'vitest';
import { describeEachApp } from '../support/app.js';

describeEachApp('OAuth2 client credentials', (app) => {
  it('issues ids and secrets that LMS plugins accept (^\\w+$) and tokens that open the API', async () => {
    const { client } = await app().organization('Token Org');
    expect(client.client_id).toMatch(/^\w+$/);
    expect(client.client_secret).toMatch(/^\w+$/);
    const token = await app().token(client.client_id, client.client_secret!);
    const me = await app().call('GET', '/api/v1/organization', { token });
    expect(me.status).toBe(200);
    expect(me.body.name).toBe('Token Org');
  });

  it('answers concurrent requests of several organisations each with its own organisation', async () => {
    const orgs = await Promise.all(['Concurrent A', 'Concurrent B', 'Concurrent C'].map((name) => app().organization(name)));
    const tokens = await Promise.all(orgs.map(({ client }) => app().token(client.client_id, client.client_secret!)));
    const calls = Array.from({ length: 30 }, (_, n) => n % tokens.length);
    const answers = await Promise.all(calls.map((which) => app().call('GET', '/api/v1/organization', { token: tokens[which] })));
    expect(answers.map((answer) => answer.body.name)).toEqual(calls.map((which) => ['Concurrent A', 'Concurrent B', 'Concurrent C'][which]));
  });

  it('accepts client_secret_basic and client_secret_post, with the RFC 6749 response shape', async () => {
    const { client } = await app().organization('Basic Org');
    const basic = Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64');
    const viaBasic = await app().call('POST', '/oauth/token', {
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(viaBasic.status).toBe(200);
    expect(viaBasic.body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(viaBasic.headers.get('cache-control')).toBe('no-store');
    const viaPost = await app().call('POST', '/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret! }).toString(),
    });
    expect(viaPost.status).toBe(200);
    expect(viaPost.body.scope.split(' ')).toEqual(expect.arrayContaining(['badges:read', 'awards:write', 'events:write', 'admin']));
  });

  it('refuses wrong secrets, unknown clients and other grant types with OAuth error codes', async () => {
    const { client } = await app().organization('Wrong Org');
    const form = (fields: Record<string, string>) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const wrong = await app().call('POST', '/oauth/token', form({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: 'nope' }));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    const unknown = await app().call('POST', '/oauth/token', form({ grant_type: 'client_credentials', client_id: 'cli_unknown', client_secret: 'x' }));
    expect(unknown.body.error).toBe('invalid_client');
    const password = await app().call('POST', '/oauth/token', form({ grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret! }));
    expect(password.status).toBe(400);
    expect(password.body.error).toBe('unsupported_grant_type');
  });

  it('narrows scopes on request and enforces them per route', async () => {
    const { client } = await app().organization('Scope Org');
    const readOnly = await app().token(client.client_id, client.client_secret!, 'badges:read');
    const denied = await app().call('GET', '/api/v1/clients', { token: readOnly });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ code: 'forbidden', detail: expect.stringContaining('admin') });
    const badScope = await app().call('POST', '/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret!, scope: 'superuser' }).toString(),
    });
    expect(badScope.body.error).toBe('invalid_scope');
  });

  it('answers 401 problem+json without a token, with a forged token, and after revocation', async () => {
    const { client } = await app().organization('Revoke Org');
    const token = await app().token(client.client_id, client.client_secret!);
    const none = await app().call('GET', '/api/v1/organization');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(none.body).toMatchObject({ code: 'unauthenticated', status: 401, requestId: expect.any(String) });
    const forged = await app().call('GET', '/api/v1/organization', { token: `${token.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(401);

    const revoke = await app().call('POST', `/api/v1/clients/${client.client_id}/revoke`, { token });
    expect(revoke.status).toBe(200);
    expect(revoke.body.revokedAt).toEqual(expect.any(String));
    expect((await app().call('GET', '/api/v1/organization', { token })).status).toBe(401);
    const again = await app().call('POST', '/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret! }).toString(),
    });
    expect(again.status).toBe(401);
  });

  it('keeps the old secret valid during the rotation grace period, and not with grace 0', async () => {
    const { client } = await app().organization('Rotate Org');
    const admin = await app().token(client.client_id, client.client_secret!);
    const created = await app().call('POST', '/api/v1/clients', { token: admin, body: { name: 'moodle', scopes: ['awards:write'] } });
    expect(created.status).toBe(201);
    const id: string = created.body.client.id;
    const first: string = created.body.clientSecret;

    const rotated = await app().call('POST', `/api/v1/clients/${id}/rotate`, { token: admin, body: { graceSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    const second: string = rotated.body.clientSecret;
    expect(second).not.toBe(first);
    await expect(app().token(id, first)).resolves.toEqual(expect.any(String));
    await expect(app().token(id, second)).resolves.toEqual(expect.any(String));

    const hard = await app().call('POST', `/api/v1/clients/${id}/rotate`, { token: admin, body: { graceSeconds: 0 } });
    await expect(app().token(id, first)).rejects.toThrow(/401/);
    await expect(app().token(id, second)).rejects.toThrow(/401/);
    await expect(app().token(id, hard.body.clientSecret)).resolves.toEqual(expect.any(String));
  });
});
