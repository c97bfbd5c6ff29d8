import type { IssuerDid } from '../../credentials/identifiers.js';
import { sealKeyPair, type StoredKey } from '../../credentials/key-sealing.js';
import { generateEd25519KeyPair, generateP256KeyPair, type PublicKey } from '../../credentials/keys.js';
import type { IssuerKey } from './store.js';

/** One generation of an issuer's keys: Ed25519 for Data Integrity proofs, P-256 for VC-JWT. */
export interface KeyGeneration {
  ed25519: StoredKey & { algorithm: 'Ed25519' };
  p256: StoredKey & { algorithm: 'P-256' };
}

/** Fresh keys of the given version, sealed at once: the private halves never leave this function in clear. */
export function newKeyGeneration(version: number, dataKey: Uint8Array): KeyGeneration {
  return {
    ed25519: sealKeyPair(generateEd25519KeyPair(version), dataKey) as KeyGeneration['ed25519'],
    p256: sealKeyPair(generateP256KeyPair(version), dataKey) as KeyGeneration['p256'],
  };
}

export function publicPart(key: StoredKey): PublicKey {
  return key.algorithm === 'Ed25519'
    ? { algorithm: 'Ed25519', version: key.version, publicKeyMultibase: key.publicKeyMultibase }
    : { algorithm: 'P-256', version: key.version, publicKeyJwk: { ...key.publicKeyJwk } };
}

/** The key of an algorithm that signs new credentials: the one not retired. */
export function currentKey<A extends PublicKey['algorithm']>(keys: readonly IssuerKey[], algorithm: A): (IssuerKey & { algorithm: A }) | undefined {
  return keys.find((key): key is IssuerKey & { algorithm: A } => key.algorithm === algorithm && key.retiredAt === null);
}

export function nextKeyVersion(keys: readonly IssuerKey[]): number {
  return Math.max(0, ...keys.map((key) => key.version)) + 1;
}

/** The stored DID as the credential library describes it. */
export function identityOf(did: string): IssuerDid {
  return { method: did.startsWith('did:web:') ? 'web' : 'key', did };
}
