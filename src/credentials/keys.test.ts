import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealKeyPair, unsealKeyPair } from './key-sealing.js';
import { ed25519PublicKeyBytes, generateEd25519KeyPair, generateP256KeyPair, keyFragment, publicKeyOf } from './keys.js';
import { base58btcDecode, base58btcEncode } from './multibase.js';

describe('keys', () => {
  it('generates an Ed25519 Multikey (z6Mk…) and a P-256 JWK', () => {
    const ed = generateEd25519KeyPair(3);
    expect(ed.publicKeyMultibase).toMatch(/^z6Mk/);
    expect(ed25519PublicKeyBytes(ed.publicKeyMultibase)).toHaveLength(32);
    expect(ed.privateKey).toHaveLength(32);
    expect(keyFragment(ed)).toBe('ed25519-3');
    const p = generateP256KeyPair();
    expect(p.publicKeyJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(publicKeyOf(p)).not.toHaveProperty('privateKey');
    expect(JSON.stringify(publicKeyOf(p))).not.toContain('"d"');
  });

  it('round-trips base58btc including leading zeros', () => {
    for (const bytes of [Uint8Array.of(), Uint8Array.of(0, 0, 1, 2), randomBytes(34)]) {
      expect(base58btcDecode(base58btcEncode(bytes))).toEqual(new Uint8Array(bytes));
    }
    expect(base58btcDecode('0OIl')).toBeUndefined();
  });
});

describe('key sealing', () => {
  const dataKey = randomBytes(32);

  it('seals and unseals both key types; the public part stays readable', () => {
    for (const pair of [generateEd25519KeyPair(2), generateP256KeyPair(5)]) {
      const stored = sealKeyPair(pair, dataKey);
      expect(stored.version).toBe(pair.version);
      expect(stored.sealedPrivateKey).not.toContain(Buffer.from(pair.privateKey).toString('base64url'));
      expect(unsealKeyPair(stored, dataKey)).toEqual({ ...pair, privateKey: Buffer.from(pair.privateKey) });
    }
  });

  it('refuses a wrong data key and a secret moved to another public key', () => {
    const stored = sealKeyPair(generateEd25519KeyPair(), dataKey);
    expect(() => unsealKeyPair(stored, randomBytes(32))).toThrow();
    const other = sealKeyPair(generateEd25519KeyPair(), dataKey);
    expect(() => unsealKeyPair({ ...other, sealedPrivateKey: stored.sealedPrivateKey }, dataKey)).toThrow();
    expect(() => unsealKeyPair({ ...stored, version: 2 }, dataKey)).toThrow();
  });
});
