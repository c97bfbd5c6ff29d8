import { seal, unseal } from '../kernel/sealing.js';
import { publicKeyOf } from './keys.js';
import type { PublicKey, SigningKeyPair } from './keys.js';

/**
 * A key as stored: the public part in clear (so old keys stay publishable without decrypting
 * anything) and the private secret sealed with AES-256-GCM under the data-encryption key.
 */
export type StoredKey = PublicKey & { sealedPrivateKey: string };

/** `dataKey` is the caller's `masterSecret.key('data-encryption')` (32 bytes). */
export function sealKeyPair(pair: SigningKeyPair, dataKey: Uint8Array): StoredKey {
  const publicKey = publicKeyOf(pair);
  // The public part is authenticated data: a sealed secret cannot be re-attached to another key row.
  return { ...publicKey, sealedPrivateKey: seal(pair.privateKey, dataKey, associatedData(publicKey)) };
}

/** Throws when the data key is wrong or the stored record was altered. */
export function unsealKeyPair(stored: StoredKey, dataKey: Uint8Array): SigningKeyPair {
  const { sealedPrivateKey, ...publicKey } = stored;
  const privateKey = unseal(sealedPrivateKey, dataKey, associatedData(publicKey));
  return { ...publicKey, privateKey } as SigningKeyPair;
}

function associatedData(key: PublicKey): string {
  const material = key.algorithm === 'Ed25519' ? key.publicKeyMultibase : `${key.publicKeyJwk.x}.${key.publicKeyJwk.y}`;
  return `${key.algorithm}|${key.version}|${material}`;
}
