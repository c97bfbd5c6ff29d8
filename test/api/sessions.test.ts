import { expect, it } from 'vitest';
import { describeEachApp, type TestApp } from '../support/app.js';

async function signIn(app: TestApp, email: string, password: string) {
  const response = await app.call('POST', '/api/v1/session', { body: { email, password } });
  const cookie = response.headers.get('set-cookie')?.split(';')[0] ?? '';
  return { response, cookie, csrf: response.body?.session?.csrfToken as string };
}

describeEachApp('password sign-in sessions', (app) => {
  it('signs in with the one-time password, forces a password change, then works with CSRF protection', async () => {
    const org = await app().organization('Session Org');
    const first = await signIn(app(), org.admin.email, org.admin.oneTimePassword!);
    expect(first.response.status).toBe(201);
    const setCookie = first.response.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/laurel_session=\w+/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(first.response.body.session).toMatchObject({ role: 'owner', passwordChangeRequired: true, organizationId: org.organization.id });

    const blocked = await app().call('GET', '/api/v1/members', { headers: { cookie: first.cookie } });
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe('password_change_required');

    const noCsrf = await app().call('POST', '/api/v1/session/password', { headers: { cookie: first.cookie }, body: { currentPassword: org.admin.oneTimePassword, newPassword: 'a much longer secret' } });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.code).toBe('csrf_failed');
    const short = await app().call('POST', '/api/v1/session/password', {
      headers: { cookie: first.cookie, 'x-csrf-token': first.csrf },
      body: { currentPassword: org.admin.oneTimePassword, newPassword: 'short' },
    });
    expect(short.status).toBe(400);
    const changed = await app().call('POST', '/api/v1/session/password', {
      headers: { cookie: first.cookie, 'x-csrf-token': first.csrf },
      body: { currentPassword: org.admin.oneTimePassword, newPassword: 'a much longer secret' },
    });
    expect(changed.status).toBe(204);

    const members = await app().call('GET', '/api/v1/members', { headers: { cookie: first.cookie } });
    expect(members.status).toBe(200);
    const viaSession = await app().call('POST', '/api/v1/clients', { headers: { cookie: first.cookie, 'x-csrf-token': first.csrf }, body: { name: 'from the web app', scopes: ['badges:read'] } });
    expect(viaSession.status).toBe(201);

    expect((await signIn(app(), org.admin.email, org.admin.oneTimePassword!)).response.status).toBe(401);
    const again = await signIn(app(), org.admin.email, 'a much longer secret');
    expect(again.response.body.session.passwordChangeRequired).toBe(false);

    const out = await app().call('DELETE', '/api/v1/session', { headers: { cookie: first.cookie, 'x-csrf-token': first.csrf } });
    expect(out.status).toBe(204);
    const after = await app().call('GET', '/api/v1/session', { headers: { cookie: first.cookie } });
    expect(after.status).toBe(401);
  });

  it('gives viewers read access only', async () => {
    const org = await app().organization('Viewer Org');
    const token = await app().token(org.client.client_id, org.client.client_secret!);
    const added = await app().call('POST', '/api/v1/members', { token, body: { email: 'viewer@example.org', role: 'viewer' } });
    const session = await signIn(app(), 'viewer@example.org', added.body.oneTimePassword);
    await app().call('POST', '/api/v1/session/password', {
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
      body: { currentPassword: added.body.oneTimePassword, newPassword: 'viewer password 123' },
    });
    expect((await app().call('GET', '/api/v1/organization', { headers: { cookie: session.cookie } })).status).toBe(200);
    const denied = await app().call('GET', '/api/v1/clients', { headers: { cookie: session.cookie } });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');
  });

  it('throttles repeated failures for an account with Retry-After, without revealing whether it exists', async () => {
    const org = await app().organization('Throttle Org');
    const unknown = await signIn(app(), 'nobody@example.org', 'whatever');
    expect(unknown.response.status).toBe(401);
    expect(unknown.response.body.detail).toBe('Wrong e-mail address or password.');
    for (let i = 0; i < 5; i++) {
      const wrong = await signIn(app(), org.admin.email, `wrong-${i}`);
      expect(wrong.response.status).toBe(401);
      expect(wrong.response.body.detail).toBe('Wrong e-mail address or password.');
    }
    const throttled = await signIn(app(), org.admin.email, org.admin.oneTimePassword!);
    expect(throttled.response.status).toBe(429);
    expect(throttled.response.body.code).toBe('rate_limited');
    expect(Number(throttled.response.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
