import { afterAll, describe, expect, it } from 'vitest';
import { buildCredential, createTestIssuer } from '../../test/support/credentials-fixtures.js';
import { VerificationPool } from './verification-pool.js';

describe('VerificationPool', async () => {
  const issuer = await createTestIssuer();
  const pool = new VerificationPool({ size: 2, resolveLocal: (url) => Promise.resolve(issuer.published.get(url)) });
  afterAll(() => pool.close());

  it('verifies on workers, resolving did:web and status lists through the main thread', async () => {
    const signed = await Promise.all([0, 1, 2, 3].map(() => issuer.sign(buildCredential(issuer))));
    const reports = await Promise.all([...signed, { ...signed[0], name: 'Forged' }, 'garbage'].map((input) => pool.verify(input)));
    expect(reports.map((report) => report.verified)).toEqual([true, true, true, true, false, false]);
    expect(reports[0]?.checks.find((check) => check.name === 'status')?.reasons).toEqual(['revocation: not revoked']);
  });

  it('uses the caller clock', async () => {
    const expiring = await issuer.sign(buildCredential(issuer, { validUntil: new Date('2025-01-01T00:00:00Z') }));
    const report = await pool.verify(expiring, new Date('2026-01-01T00:00:00Z'));
    expect(report.checks.find((check) => check.name === 'validity')?.outcome).toBe('failed');
  });
});
