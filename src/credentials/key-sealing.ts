import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { publicKeyOf } from './keys.js';
import type { PublicKey, SigningKeyPair } from './keys.js';

/**
 * A key as stored: the public part in clear (so old keys stay publishable without decrypting
 * anything) and the private secret sealed with AES-256-GCM under the data-encryption key.
 */
export type StoredKey = PublicKey & { sealedPrivateKey: string };

const format = 'aes256gcm-v1';

/** `dataKey` is the caller's `masterSecret.key('data-encryption')` (32 bytes). */
export function sealKeyPair(pair: SigningKeyPair, dataKey: Uint8Array): StoredKey {
  const publicKey = publicKeyOf(pair);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  // The public part is authenticated data: a sealed secret cannot be re-attached to another key row.
  cipher.setAAD(associatedData(publicKey));
  const ciphertext = Buffer.concat([cipher.update(pair.privateKey), cipher.final()]);
  const parts = [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url'));
  return { ...publicKey, sealedPrivateKey: [format, ...parts].join('.') };
}

/** Throws when the data key is wrong or the stored record was altered. */
export function unsealKeyPair(stored: StoredKey, dataKey: Uint8Array): SigningKeyPair {
  const [prefix, iv, ciphertext, tag, ...rest] = stored.sealedPrivateKey.split('.');
  if (prefix !== format || iv === undefined || ciphertext === undefined || tag === undefined || rest.length > 0) {
    throw new Error('Sealed private key has an unknown format');
  }
  const { sealedPrivateKey: _sealed, ...publicKey } = stored;
  const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(iv, 'base64url'));
  decipher.setAAD(associatedData(publicKey));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const privateKey = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  return { ...publicKey, privateKey } as SigningKeyPair;
}

function associatedData(key: PublicKey): Buffer {
  const material = key.algorithm === 'Ed25519' ? key.publicKeyMultibase : `${key.publicKeyJwk.x}.${key.publicKeyJwk.y}`;
  return Buffer.from(`${key.algorithm}|${key.version}|${material}`, 'utf8');
}
