import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { ProblemRef, type Api } from '../http/schemas.js';
import type { ClientService } from './clients/service.js';
import { isScope, type Scope } from './scopes.js';
import type { AccessTokens } from './tokens.js';

type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';

/**
 * OAuth2 errors follow RFC 6749 §5.2 (`{error, error_description}`) rather than problem+json:
 * OAuth client libraries and LMS plugins parse exactly that shape.
 */
function oauthError(reply: FastifyReply, status: number, error: OAuthError, description: string, basic = false): FastifyReply {
  if (basic) reply.header('www-authenticate', 'Basic realm="laurel"');
  return reply.status(status).header('cache-control', 'no-store').send({ error, error_description: description });
}

/** Reads `client_secret_basic` credentials (RFC 6749 §2.3.1: form-encoded id and secret). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null | undefined {
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

const TokenRequest = Type.Object({
  grant_type: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String()),
  scope: Type.Optional(Type.String()),
});

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
  scope: Type.String(),
});

const OAuthErrorResponse = Type.Object({ error: Type.String(), error_description: Type.String() });

export function registerOAuthRoutes(app: Api, clients: ClientService, tokens: AccessTokens): void {
  app.post(
    '/oauth/token',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['Authentication'],
        summary: 'OAuth2 client credentials token endpoint',
        description: 'Accepts `client_secret_basic` (HTTP Basic) and `client_secret_post` (form fields). `scope` may narrow the client\'s scopes.',
        security: [],
        body: TokenRequest,
        response: { 200: TokenResponse, 400: Type.Union([OAuthErrorResponse, ProblemRef]), 401: OAuthErrorResponse, default: ProblemRef },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      if (body.grant_type !== 'client_credentials') {
        return oauthError(reply, 400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
      }
      const basic = basicCredentials(request.headers.authorization);
      if (basic === null) return oauthError(reply, 401, 'invalid_client', 'Malformed HTTP Basic credentials.', true);
      if (basic && body.client_secret !== undefined) {
        return oauthError(reply, 400, 'invalid_request', 'Send client credentials either in the Authorization header or in the body, not both.');
      }
      const id = basic?.id ?? body.client_id;
      const secret = basic?.secret ?? body.client_secret;
      if (!id || !secret) return oauthError(reply, 401, 'invalid_client', 'Client authentication is required.', true);
      const client = await clients.authenticate(id, secret);
      if (!client) return oauthError(reply, 401, 'invalid_client', 'Unknown client, wrong secret, or revoked client.', basic !== undefined);
      let granted: Scope[] = client.scopes;
      if (body.scope !== undefined && body.scope.trim() !== '') {
        const requested = body.scope.trim().split(/\s+/);
        if (!requested.every((scope) => isScope(scope) && client.scopes.includes(scope))) {
          return oauthError(reply, 400, 'invalid_scope', `Requested scopes must be a subset of: ${client.scopes.join(' ')}.`);
        }
        granted = requested as Scope[];
      }
      const issued = await tokens.issue({ clientId: client.id, organizationId: client.organizationId, scopes: granted });
      return reply
        .header('cache-control', 'no-store')
        .header('pragma', 'no-cache')
        .send({ access_token: issued.accessToken, token_type: 'bearer', expires_in: issued.expiresIn, scope: issued.scope });
    },
  );
}
