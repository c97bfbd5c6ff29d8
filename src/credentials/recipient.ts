import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** OB 3.0 IdentityObject (also the shape OB 2.0 uses, apart from `type`/`identity` names). */
export interface IdentityObject {
  type: 'IdentityObject';
  hashed: true;
  identityHash: string;
  identityType: 'emailAddress';
  salt: string;
}

/** Trimmed and lower-cased, so the same mailbox always hashes the same way. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function randomSalt(): string {
  return randomBytes(16).toString('hex');
}

/** `sha256$<hex>` of UTF-8(identifier ‖ salt), the OB hashing rule (identifier first). */
export function hashIdentity(identifier: string, salt: string): string {
  return `sha256$${createHash('sha256').update(identifier + salt, 'utf8').digest('hex')}`;
}

export function emailIdentity(email: string, salt: string = randomSalt()): IdentityObject {
  return {
    type: 'IdentityObject',
    hashed: true,
    identityHash: hashIdentity(normalizeEmail(email), salt),
    identityType: 'emailAddress',
    salt,
  };
}

/** Whether a hashed identity names this e-mail address (the verifier-side recipient check). */
export function identityMatchesEmail(identityHash: string, salt: string | undefined, email: string): boolean {
  const [algorithm, hex] = identityHash.split('$');
  if (algorithm !== 'sha256' || hex === undefined) return false;
  const expected = Buffer.from(hashIdentity(normalizeEmail(email), salt ?? '').slice('sha256$'.length), 'hex');
  const actual = Buffer.from(hex.toLowerCase(), 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
