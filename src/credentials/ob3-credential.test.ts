import { describe, expect, it } from 'vitest';
import { buildCredential, createTestIssuer } from '../../test/support/credentials-fixtures.js';
import { checkConformance } from './conformance.js';
import { buildOpenBadgeCredential } from './ob3-credential.js';
import { emailIdentity, hashIdentity, identityMatchesEmail } from './recipient.js';
import { validateAchievementCredential } from './schema-validation.js';

describe('OpenBadgeCredential builder', async () => {
  const issuer = await createTestIssuer();

  it('emits contexts in order, arrays for type, an embedded Profile and a hashed e-mail', () => {
    const credential = buildCredential(issuer, { recipient: { email: 'a@example.com', salt: 'Kosher' } });
    expect(credential['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
    ]);
    expect(credential.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(credential.issuer).toMatchObject({ id: issuer.did.did, type: ['Profile'] });
    const subject = credential.credentialSubject as { identifier: unknown[]; id?: string };
    expect(subject.id).toBeUndefined();
    expect(subject.identifier).toEqual([
      {
        type: 'IdentityObject',
        hashed: true,
        identityHash: 'sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399',
        identityType: 'emailAddress',
        salt: 'Kosher',
      },
    ]);
    expect(credential.credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusListIndex: '42', statusPurpose: 'revocation' });
  });

  it('validates against the 1EdTech schema and rules in every variant', () => {
    const variants = [
      buildCredential(issuer),
      buildCredential(issuer, { recipient: { email: 'x@y.org', did: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' } }),
      buildCredential(issuer, { validUntil: new Date('2030-01-01T00:00:00Z'), awardedDate: new Date('2023-12-01T00:00:00Z') }),
      buildOpenBadgeCredential({
        id: 'urn:uuid:00000000-0000-4000-8000-000000000000',
        issuer: { id: issuer.did.did, name: 'Minimal' },
        achievement: { id: 'https://x.example.edu/a', name: 'A', description: 'B', criteria: { narrative: 'C' } },
        recipient: { email: 'm@example.org' },
        validFrom: new Date(),
      }),
    ];
    for (const credential of variants) {
      expect(validateAchievementCredential(credential)).toEqual({ valid: true, errors: [] });
      expect(checkConformance(credential)).toEqual([]);
    }
  });

  it('flags what 1EdTech would reject', () => {
    const credential = buildCredential(issuer);
    const broken = { ...credential, issuer: issuer.did.did, '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'] };
    const rules = checkConformance(broken).map((violation) => violation.rule);
    expect(rules).toContain('issuer-profile');
    expect(rules).toContain('extensions-context');
    expect(validateAchievementCredential({ ...credential, type: 'OpenBadgeCredential' }).valid).toBe(false);
  });

  it('matches recipients by normalised e-mail only', () => {
    const identity = emailIdentity(' Someone@Example.ORG ');
    expect(identity.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(identityMatchesEmail(identity.identityHash, identity.salt, 'someone@example.org')).toBe(true);
    expect(identityMatchesEmail(identity.identityHash, identity.salt, 'other@example.org')).toBe(false);
    expect(hashIdentity('a@example.com', 'Kosher').toUpperCase()).toContain('B5809D8A');
  });
});
