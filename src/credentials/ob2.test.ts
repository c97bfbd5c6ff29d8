import { describe, expect, it } from 'vitest';
import { buildOb2Assertion, buildOb2BadgeClass, buildOb2Issuer, buildRevokedOb2Assertion } from './ob2.js';

describe('OB 2.0 hosted documents', () => {
  const base = 'https://badges.example.edu/ob2';

  it('builds Issuer, BadgeClass and Assertion with the given stable ids', () => {
    const issuer = buildOb2Issuer({ id: `${base}/issuers/iss_1`, name: 'Uni', url: 'https://example.edu', email: 'b@example.edu' });
    expect(issuer).toEqual({
      '@context': 'https://w3id.org/openbadges/v2',
      type: 'Issuer',
      id: `${base}/issuers/iss_1`,
      name: 'Uni',
      url: 'https://example.edu',
      email: 'b@example.edu',
    });
    const badge = buildOb2BadgeClass({
      id: `${base}/badge-classes/bc_1`,
      issuer: issuer.id as string,
      name: 'Data',
      description: 'D',
      image: `${base}/badge-classes/bc_1/image.png`,
      criteria: { narrative: 'Do it' },
      alignments: [{ targetName: 'T', targetUrl: 'https://t.example.org', targetType: 'ext:X' }],
      tags: ['a'],
    });
    expect(badge).toMatchObject({ type: 'BadgeClass', criteria: { narrative: 'Do it' }, alignment: [{ targetName: 'T', targetUrl: 'https://t.example.org' }] });
    expect((badge.alignment as object[])[0]).not.toHaveProperty('targetType');
    const assertion = buildOb2Assertion({
      id: `${base}/assertions/awd_1`,
      badge: badge.id as string,
      recipient: { email: 'mayze', salt: '' },
      issuedOn: new Date('2024-02-01T10:00:00.123Z'),
      expires: new Date('2026-02-01T00:00:00Z'),
    });
    expect(assertion).toMatchObject({
      type: 'Assertion',
      id: `${base}/assertions/awd_1`,
      badge: `${base}/badge-classes/bc_1`,
      verification: { type: 'HostedBadge' },
      issuedOn: '2024-02-01T10:00:00Z',
      expires: '2026-02-01T00:00:00Z',
      // sha256("mayze") with an empty salt, the OB 2.0 hashing example.
      recipient: { type: 'email', hashed: true, identity: 'sha256$7a1a1b3f7d40552e4299180e346e3add12bf9a751a43d9c4ca4518febc2c60c6' },
    });
  });

  it('answers a revoked assertion with revoked: true and the reason', () => {
    expect(buildRevokedOb2Assertion(`${base}/assertions/awd_1`, 'Issued in error')).toEqual({
      '@context': 'https://w3id.org/openbadges/v2',
      type: 'Assertion',
      id: `${base}/assertions/awd_1`,
      revoked: true,
      revocationReason: 'Issued in error',
    });
  });
});
