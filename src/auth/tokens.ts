import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../kernel/clock.js';
import type { MasterSecret } from '../kernel/secrets.js';
import { isScope, type Scope } from './scopes.js';

export interface AccessTokenClaims {
  clientId: string;
  organizationId: string;
  scopes: Scope[];
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  scope: string;
}

const audience = 'laurel-api';

/**
 * Short-lived access tokens for API clients: HS256 JWTs under a key derived from the master
 * secret. Only Laurel verifies them, so a symmetric key is enough and verification stays cheap.
 */
export class AccessTokens {
  readonly #key: Uint8Array;
  /**
   * Tokens already verified, until they expire: a client sends the same token with every request,
   * and checking a signature is the most expensive step of authenticating one.
   */
  readonly #verified = new Map<string, { claims: AccessTokenClaims; expiresAtMs: number }>();

  constructor(
    secret: MasterSecret,
    private readonly issuer: string,
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {
    this.#key = new Uint8Array(secret.key('access-tokens'));
  }

  async issue(claims: AccessTokenClaims): Promise<IssuedToken> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const scope = claims.scopes.join(' ');
    const accessToken = await new SignJWT({ org: claims.organizationId, scope })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience(audience)
      .setSubject(claims.clientId)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.#key);
    return { accessToken, expiresIn: this.ttlSeconds, scope };
  }

  /** The token's claims, or null when it is malformed, forged, expired or not ours. */
  async verify(token: string): Promise<AccessTokenClaims | null> {
    const known = this.#verified.get(token);
    if (known) {
      if (known.expiresAtMs > this.clock.now().getTime()) return known.claims;
      this.#verified.delete(token);
    }
    const claims = await this.#verifySignature(token);
    if (claims) {
      // Bounded: forgetting everything now and then only costs a re-verification.
      if (this.#verified.size >= 10_000) this.#verified.clear();
      this.#verified.set(token, claims);
    }
    return claims?.claims ?? null;
  }

  async #verifySignature(token: string): Promise<{ claims: AccessTokenClaims; expiresAtMs: number } | null> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        issuer: this.issuer,
        audience,
        algorithms: ['HS256'],
        typ: 'at+jwt',
        currentDate: this.clock.now(),
      });
      if (typeof payload.sub !== 'string' || typeof payload.org !== 'string' || typeof payload.scope !== 'string' || typeof payload.exp !== 'number') return null;
      return {
        claims: { clientId: payload.sub, organizationId: payload.org, scopes: payload.scope.split(' ').filter(isScope) },
        expiresAtMs: payload.exp * 1000,
      };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return null;
      throw error;
    }
  }
}
