/** How Laurel reaches one Accredible account (or department: a department key sees only its own). */

export type AccredibleRegion = 'us' | 'eu' | 'sandbox';

/**
 * Accredible has no revoke: a credential is either expired now (it stays visible as expired) or
 * deleted (it disappears). Organisations choose per connection.
 */
export type AccredibleRevokeMode = 'expire' | 'delete';

export interface AccredibleConnectionSettings {
  apiKey: string;
  region: AccredibleRegion;
  /** Overrides the region's host, e.g. `https://api.accredible.com` (a trailing `/v1` is accepted). */
  apiBaseUrl?: string;
  revokeMode: AccredibleRevokeMode;
  /** Per request, headers and body included. */
  timeoutMs?: number;
}

/** Hosts without the version: most routes are `/v1/…`, the current search is `/v2/…`. */
export const accredibleApiHosts: Record<AccredibleRegion, string> = {
  us: 'https://api.accredible.com',
  eu: 'https://eu.api.accredible.com',
  sandbox: 'https://sandbox.api.accredible.com',
};

export const defaultAccredibleTimeoutMs = 10_000;

export function accredibleApiRoot(settings: AccredibleConnectionSettings): string {
  return (settings.apiBaseUrl ?? accredibleApiHosts[settings.region]).replace(/\/+$/, '').replace(/\/v1$/, '');
}
