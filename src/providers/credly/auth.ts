/**
 * The Authorization header for Credly calls. Authorization tokens go as HTTP Basic (token as the
 * username, blank password, as Credly documents). OAuth clients exchange their credentials for a
 * bearer token, cached until shortly before it expires and dropped when Credly rejects it.
 */
import type { Clock } from '../../kernel/clock.js';
import { sendProviderRequest } from '../http.js';
import { isObject, unexpectedAnswer } from '../wire.js';
import type { CredlyCredentials } from './config.js';
import { credlyErrorMessage } from './mapping.js';

/** Renew this long before the announced expiry, so a token never expires mid-request. */
const expiryMarginMs = 60_000;

export interface CredlyAuthorizerOptions {
  credentials: CredlyCredentials;
  oauthTokenUrl: URL;
  timeoutMs: number;
  clock: Clock;
  secrets: readonly string[];
}

export class CredlyAuthorizer {
  #options: CredlyAuthorizerOptions;
  #cached: { header: string; expiresAt: number } | undefined;

  constructor(options: CredlyAuthorizerOptions) {
    this.#options = options;
  }

  async header(): Promise<string> {
    const { credentials, clock } = this.#options;
    if (credentials.kind === 'authorization-token') {
      return `Basic ${Buffer.from(`${credentials.authorizationToken}:`).toString('base64')}`;
    }
    if (this.#cached && this.#cached.expiresAt > clock.now().getTime()) return this.#cached.header;
    const token = await this.#requestToken(credentials.clientId, credentials.clientSecret);
    this.#cached = { header: `Bearer ${token.accessToken}`, expiresAt: clock.now().getTime() + token.expiresInMs - expiryMarginMs };
    return this.#cached.header;
  }

  /**
   * Forgets the cached bearer token (Credly said 401: revoked or expired early). True when there
   * was one, i.e. when a fresh token might help.
   */
  invalidate(): boolean {
    const had = this.#cached !== undefined;
    this.#cached = undefined;
    return had;
  }

  async #requestToken(clientId: string, clientSecret: string): Promise<{ accessToken: string; expiresInMs: number }> {
    const { oauthTokenUrl, timeoutMs, clock, secrets } = this.#options;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
    const { body } = await sendProviderRequest(
      { method: 'POST', url: oauthTokenUrl, headers: {}, form },
      { provider: 'credly', timeoutMs, clock, secrets, errorMessage: oauthErrorMessage },
    );
    if (!isObject(body) || typeof body.access_token !== 'string') throw unexpectedAnswer('credly', 'no access_token in the token response');
    // Credly's tokens are said to live two hours; assume that when the answer does not say.
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 7200;
    return { accessToken: body.access_token, expiresInMs: expiresIn * 1000 };
  }
}

/** RFC 6749 errors (`error`, `error_description`), else Credly's own envelope. */
function oauthErrorMessage(body: unknown): string | undefined {
  if (isObject(body) && typeof body.error === 'string') {
    return typeof body.error_description === 'string' ? `${body.error}: ${body.error_description}` : body.error;
  }
  return credlyErrorMessage(body);
}
