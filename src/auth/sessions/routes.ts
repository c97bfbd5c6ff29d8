import { Type } from 'typebox';
import type { Api } from '../../http/schemas.js';
import { Body, responses, Timestamp } from '../../http/schemas.js';
import { sessionCookie } from '../../http/authentication.js';
import { AppError } from '../../kernel/errors.js';
import type { Principal } from '../principal.js';
import type { SessionService } from './service.js';

const SessionSchema = Type.Object({
  personId: Type.String(),
  organizationId: Type.String(),
  role: Type.String(),
  scopes: Type.Array(Type.String()),
  csrfToken: Type.String({ description: 'Send it as `X-CSRF-Token` on every POST, PATCH and DELETE made with the session cookie.' }),
  passwordChangeRequired: Type.Boolean(),
});

function present(principal: Extract<Principal, { type: 'person' }>) {
  return {
    personId: principal.id,
    organizationId: principal.organizationId,
    role: principal.role,
    scopes: [...principal.scopes],
    csrfToken: principal.csrfToken,
    passwordChangeRequired: principal.passwordChangeRequired,
  };
}

function personOf(principal: Principal | null): Extract<Principal, { type: 'person' }> {
  if (principal?.type !== 'person') throw new AppError('forbidden', 'This operation is only for signed-in people.');
  return principal;
}

/** `/api/v1/session`: password sign-in for the web app, with a secure cookie and a CSRF token. */
export function registerSessionRoutes(app: Api, sessions: SessionService, secureCookies: boolean): void {
  const tags = ['Session'];

  app.post(
    '/api/v1/session',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Sign in',
        security: [],
        body: Body({
          email: Type.String({ minLength: 3, maxLength: 320 }),
          password: Type.String({ minLength: 1, maxLength: 1000 }),
          organizationId: Type.Optional(Type.String({ maxLength: 100 })),
        }),
        response: responses({ 201: Type.Object({ session: SessionSchema, expiresAt: Timestamp }) }),
      },
    },
    async (request, reply) => {
      const started = await sessions.login(request.body, request.ip);
      reply.setCookie(sessionCookie, started.token, { httpOnly: true, secure: secureCookies, sameSite: 'lax', path: '/', expires: started.expiresAt });
      return reply.status(201).send({ session: present(started.principal), expiresAt: started.expiresAt });
    },
  );

  app.get('/api/v1/session', { config: { auth: 'session' }, schema: { tags, summary: 'The current session', response: responses({ 200: SessionSchema }) } }, async (request) =>
    present(personOf(request.principal)),
  );

  app.delete('/api/v1/session', { config: { auth: 'session' }, schema: { tags, summary: 'Sign out', response: responses({ 204: Type.Null() }) } }, async (request, reply) => {
    await sessions.logout(request.sessionToken!);
    reply.clearCookie(sessionCookie, { path: '/' });
    return reply.status(204).send(null);
  });

  app.post(
    '/api/v1/session/password',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        summary: 'Change your password (required after a one-time password)',
        body: Body({ currentPassword: Type.String({ maxLength: 1000 }), newPassword: Type.String({ maxLength: 1000 }) }),
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await sessions.changePassword(personOf(request.principal), request.sessionToken!, request.body.currentPassword, request.body.newPassword);
      return reply.status(204).send(null);
    },
  );
}
