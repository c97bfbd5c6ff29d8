/** How Laurel reaches one Credly organisation. */

export type CredlyEnvironment = 'production' | 'sandbox';

export type CredlyCredentials =
  /** An organisation authorization token, sent as HTTP Basic username with a blank password. */
  | { kind: 'authorization-token'; authorizationToken: string }
  /** An OAuth2 client (client credentials grant); its access token is sent as Bearer. */
  | { kind: 'oauth'; clientId: string; clientSecret: string };

export interface CredlyConnectionSettings {
  organizationId: string;
  credentials: CredlyCredentials;
  environment: CredlyEnvironment;
  /** Overrides the environment's API base, e.g. `https://api.credly.com/v1`. */
  apiBaseUrl?: string;
  /** Overrides the environment's OAuth token endpoint (a www host, not the API host). */
  oauthTokenUrl?: string;
  /** Per request, headers and body included. */
  timeoutMs?: number;
}

export const credlyApiBaseUrls: Record<CredlyEnvironment, string> = {
  production: 'https://api.credly.com/v1',
  sandbox: 'https://sandbox-api.credly.com/v1',
};

export const credlyOAuthTokenUrls: Record<CredlyEnvironment, string> = {
  production: 'https://www.credly.com/oauth/token',
  sandbox: 'https://sandbox.credly.com/oauth/token',
};

export const defaultCredlyTimeoutMs = 10_000;

export function credlySecrets(credentials: CredlyCredentials): string[] {
  return credentials.kind === 'oauth' ? [credentials.clientId, credentials.clientSecret] : [credentials.authorizationToken];
}
