import { describe, expect, it } from 'vitest';
import { connectionWarnings, tokenLifetime } from './token-expiry.js';

const credly = (tokenIssuedAt: string | null) => ({
  id: 'con_1',
  provider: 'credly' as const,
  settings: { organizationId: 'o', environment: 'sandbox' as const, apiBaseUrl: null, oauthTokenUrl: null, authentication: 'authorization-token' as const, tokenIssuedAt },
});

describe('Credly token expiry', () => {
  const issued = '2026-01-01T00:00:00.000Z';

  it('expires 180 days after issue', () => {
    expect(tokenLifetime(credly(issued), new Date('2026-01-11T00:00:00Z'))).toEqual({
      issuedAt: new Date(issued),
      expiresAt: new Date('2026-06-30T00:00:00.000Z'),
      daysLeft: 170,
    });
  });

  it('warns from 30 days before expiry, and after it', () => {
    expect(connectionWarnings(credly(issued), new Date('2026-05-30T00:00:00Z'))).toEqual([]);
    expect(connectionWarnings(credly(issued), new Date('2026-05-31T00:00:00Z'))).toEqual([
      'The Credly authorization token expires on 2026-06-30 (in 30 days); rotate it with POST /api/v1/connections/con_1/rotate-token.',
    ]);
    expect(connectionWarnings(credly(issued), new Date('2026-07-01T12:00:00Z'))[0]).toMatch(/^The Credly authorization token expired on 2026-06-30/);
  });

  it('says nothing for OAuth clients and Accredible keys, which do not expire this way', () => {
    expect(connectionWarnings(credly(null), new Date('2030-01-01T00:00:00Z'))).toEqual([]);
    expect(tokenLifetime({ provider: 'accredible', settings: { region: 'us', apiBaseUrl: null, revokeMode: 'expire' } }, new Date())).toBeNull();
  });
});
