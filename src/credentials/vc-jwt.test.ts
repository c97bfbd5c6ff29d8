import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { buildCredential, createTestIssuer, jwtKey } from '../../test/support/credentials-fixtures.js';
import { signVcJwt, verifyVcJwt } from './vc-jwt.js';

describe('VC-JWT (ES256)', async () => {
  const issuer = await createTestIssuer();

  it('puts the credential and iss/jti/nbf/sub/exp in the payload with a resolvable kid', async () => {
    const credential = buildCredential(issuer, {
      recipient: { email: 'a@b.org', did: 'did:example:learner' },
      validUntil: new Date('2030-01-01T00:00:00Z'),
    });
    const jws = await signVcJwt(credential, jwtKey(issuer));
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', typ: 'JWT', kid: `${issuer.did.did}#p256-1` });
    const claims = decodeJwt(jws);
    expect(claims).toMatchObject({
      iss: issuer.did.did,
      jti: credential.id,
      nbf: Date.parse('2024-01-01T00:00:00Z') / 1000,
      exp: Date.parse('2030-01-01T00:00:00Z') / 1000,
      sub: 'did:example:learner',
      credentialSubject: credential.credentialSubject,
    });
    const result = await verifyVcJwt(jws, issuer.documentLoader);
    expect(result).toMatchObject({ valid: true, credential, keyController: issuer.did.did });
  });

  it('omits sub without a subject id and rejects tampering', async () => {
    const jws = await signVcJwt(buildCredential(issuer), jwtKey(issuer));
    expect(decodeJwt(jws)).not.toHaveProperty('sub');
    const [header, payload, signature] = jws.split('.');
    const changed = Buffer.from(JSON.stringify({ ...decodeJwt(jws), name: 'Forged' })).toString('base64url');
    expect((await verifyVcJwt(`${header}.${changed}.${signature}`, issuer.documentLoader)).valid).toBe(false);
    expect((await verifyVcJwt(`${header}.${payload}.AAAA`, issuer.documentLoader)).valid).toBe(false);
    expect((await verifyVcJwt('garbage', issuer.documentLoader)).valid).toBe(false);
  });

  it('resolves a did:key P-256 kid offline for did:key issuers', async () => {
    const local = await createTestIssuer('http://localhost:3000');
    const jws = await signVcJwt(buildCredential(local), jwtKey(local));
    expect(decodeProtectedHeader(jws).kid).toMatch(/^did:key:zDn/);
    expect(await verifyVcJwt(jws, local.documentLoader)).toMatchObject({ valid: true });
  });
});
