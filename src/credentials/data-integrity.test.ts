import { afterAll, describe, expect, it } from 'vitest';
import { buildCredential, createTestIssuer } from '../../test/support/credentials-fixtures.js';
import { verifyDataIntegrityProof } from './data-integrity-verify.js';
import { verificationMethodId } from './identifiers.js';
import { SigningPool } from './signing-pool.js';

describe('Data Integrity eddsa-rdfc-2022', async () => {
  const webIssuer = await createTestIssuer('https://badges.example.edu');
  const keyIssuer = await createTestIssuer('http://localhost:3000');
  const pool = new SigningPool({ size: 2 });
  afterAll(() => pool.close());

  it('signs with a proof array and verifies for did:web and did:key issuers', async () => {
    for (const issuer of [webIssuer, keyIssuer]) {
      const signed = await issuer.sign(buildCredential(issuer));
      const proofs = signed.proof as Record<string, unknown>[];
      expect(proofs).toHaveLength(1);
      expect(proofs[0]).toMatchObject({
        type: 'DataIntegrityProof',
        cryptosuite: 'eddsa-rdfc-2022',
        proofPurpose: 'assertionMethod',
        verificationMethod: verificationMethodId(issuer.did, issuer.ed25519),
      });
      expect(await verifyDataIntegrityProof(signed, { documentLoader: issuer.documentLoader })).toEqual({ valid: true });
    }
  });

  it('fails on tampering, a foreign key and an unknown verification method', async () => {
    const signed = await webIssuer.sign(buildCredential(webIssuer));
    const tampered = { ...signed, name: 'Something else' };
    expect((await verifyDataIntegrityProof(tampered, { documentLoader: webIssuer.documentLoader })).valid).toBe(false);
    // Signed by the did:key issuer's key but claiming the did:web issuer: controller ≠ issuer.
    const impostor = await keyIssuer.sign(buildCredential(webIssuer));
    const result = await verifyDataIntegrityProof(impostor, { documentLoader: keyIssuer.documentLoader });
    expect(result.valid).toBe(false);
    // The did:web document is not known to another deployment's loader: fails closed, no fetch.
    expect((await verifyDataIntegrityProof(signed, { documentLoader: keyIssuer.documentLoader })).valid).toBe(false);
  });

  it('refuses to sign undefined terms (JSON-LD safe mode)', async () => {
    await expect(webIssuer.sign({ ...buildCredential(webIssuer), laurelCustomField: 'x' })).rejects.toThrow();
  });

  it('signs on worker threads with the same result format', async () => {
    const key = { verificationMethod: verificationMethodId(webIssuer.did, webIssuer.ed25519), keyPair: webIssuer.ed25519 };
    const credentials = Array.from({ length: 8 }, () => buildCredential(webIssuer));
    const signed = await Promise.all(credentials.map((credential) => pool.sign(credential, key, new Date())));
    for (const credential of signed) {
      expect(await verifyDataIntegrityProof(credential, { documentLoader: webIssuer.documentLoader })).toEqual({ valid: true });
    }
    await expect(pool.sign({ ...credentials[0], unknownTerm: 1 }, key, new Date())).rejects.toThrow();
  });
});
