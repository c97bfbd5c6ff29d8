import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClientService } from '../auth/clients/service.js';
import type { Principal } from '../auth/principal.js';
import type { Scope } from '../auth/scopes.js';
import type { SessionService } from '../auth/sessions/service.js';
import type { AccessTokens } from '../auth/tokens.js';
import { AppError } from '../kernel/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, when credentials were presented and are valid. */
    principal: Principal | null;
    /** Why presented credentials were rejected (reported only if the route needs them). */
    authFailure: string | null;
    sessionToken: string | null;
  }
  interface FastifyContextConfig {
    /**
     * Who may call the route. Under /api/v1 the default is "any authenticated caller";
     * `public` opens it; a scope requires that scope; `session` accepts a signed-in person even
     * before they changed their one-time password. Routes outside /api/v1 are public by default.
     */
    auth?: 'public' | 'session' | Scope;
  }
}

export const sessionCookie = 'laurel_session';

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Remembers for a few seconds whether a client is still active, so checking revocation on every
 * request costs one lookup per client per interval instead of one per request. A revocation made
 * in this process applies at once; one made by another process within the interval.
 */
class ClientActivityCache {
  readonly #entries = new Map<string, { active: boolean; checkedAt: number }>();

  constructor(
    private readonly clients: ClientService,
    private readonly ttlMs: number,
  ) {
    clients.onRevoked((clientId) => this.#entries.delete(clientId));
  }

  async isActive(clientId: string): Promise<boolean> {
    const now = Date.now();
    const entry = this.#entries.get(clientId);
    if (entry && now - entry.checkedAt < this.ttlMs) return entry.active;
    const active = await this.clients.isActive(clientId);
    if (this.#entries.size > 10_000) this.#entries.clear();
    this.#entries.set(clientId, { active, checkedAt: now });
    return active;
  }
}

export interface AuthenticationOptions {
  tokens: AccessTokens;
  clients: ClientService;
  sessions: SessionService;
  /** How stale the "client is not revoked" knowledge may be (revocation takes effect within it). */
  clientCheckTtlMs?: number;
}

/** Resolves credentials on every request (never failing there), then enforces each route's needs. */
export function registerAuthentication(app: FastifyInstance, options: AuthenticationOptions): void {
  const activity = new ClientActivityCache(options.clients, options.clientCheckTtlMs ?? 5000);
  app.decorateRequest('principal', null);
  app.decorateRequest('authFailure', null);
  app.decorateRequest('sessionToken', null);

  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const [scheme, token] = header.split(' ', 2);
      if (scheme?.toLowerCase() !== 'bearer' || !token) {
        request.authFailure = 'The Authorization header must be "Bearer <access token>".';
        return;
      }
      const claims = await options.tokens.verify(token);
      if (!claims || !(await activity.isActive(claims.clientId))) {
        request.authFailure = 'The access token is invalid, expired or its client was revoked.';
        return;
      }
      request.principal = { type: 'client', id: claims.clientId, organizationId: claims.organizationId, scopes: new Set(claims.scopes) };
      return;
    }
    const cookie = request.cookies[sessionCookie];
    if (cookie) {
      request.principal = await options.sessions.resolve(cookie);
      if (request.principal) request.sessionToken = cookie;
      else request.authFailure = 'The session has expired; sign in again.';
    }
  });

  app.addHook('preHandler', async (request) => {
    const rule = request.routeOptions.config.auth;
    const isApi = request.routeOptions.url?.startsWith('/api/v1') ?? false;
    if (rule === 'public' || (!isApi && rule === undefined)) return;
    enforce(request, rule);
  });
}

function enforce(request: FastifyRequest, rule: 'session' | Scope | undefined): void {
  const principal = request.principal;
  if (!principal) {
    throw new AppError('unauthenticated', request.authFailure ?? 'Authentication required: send a Bearer access token from POST /oauth/token, or sign in.', {
      headers: { 'www-authenticate': 'Bearer realm="laurel"' },
    });
  }
  if (principal.type === 'person') {
    if (unsafeMethods.has(request.method) && request.headers['x-csrf-token'] !== principal.csrfToken) {
      throw new AppError('csrf_failed', 'Send the session\'s CSRF token in the X-CSRF-Token header.');
    }
    if (principal.passwordChangeRequired && rule !== 'session') {
      throw new AppError('password_change_required', 'Change the one-time password first: POST /api/v1/session/password.');
    }
  } else if (rule === 'session') {
    throw new AppError('forbidden', 'This operation is only for signed-in people.');
  }
  if (rule !== undefined && rule !== 'session' && !principal.scopes.has(rule)) {
    throw new AppError('forbidden', `This operation requires the "${rule}" scope.`);
  }
}
