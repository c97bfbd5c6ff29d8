import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption of secrets at rest: AES-256-GCM under the caller's
 * `masterSecret.key('data-encryption')`, as `aes256gcm-v1.<iv>.<ciphertext>.<tag>` (base64url).
 * The associated data binds a sealed value to the record that holds it, so it cannot be copied
 * onto another record and still open.
 */
const format = 'aes256gcm-v1';

export function seal(plaintext: Uint8Array, dataKey: Uint8Array, associatedData: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [format, ...[iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url'))].join('.');
}

/** Throws when the data key is wrong, the associated data differs or the sealed text was altered. */
export function unseal(sealed: string, dataKey: Uint8Array, associatedData: string): Buffer {
  const [prefix, iv, ciphertext, tag, ...rest] = sealed.split('.');
  if (prefix !== format || iv === undefined || ciphertext === undefined || tag === undefined || rest.length > 0) {
    throw new Error('Sealed value has an unknown format');
  }
  const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}
