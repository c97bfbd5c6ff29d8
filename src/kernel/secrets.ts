import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Purposes for which keys are derived from the master secret; each gets an independent key. */
export type KeyPurpose = 'access-tokens' | 'client-secret-hash' | 'session-hash' | 'data-encryption';

/**
 * Holds the master secret and derives one key per purpose (HKDF-SHA256), so rotating the
 * master secret rotates everything and no purpose can be confused with another.
 */
export class MasterSecret {
  readonly #secret: Buffer;
  readonly #derived = new Map<KeyPurpose, Buffer>();

  constructor(secret: string) {
    this.#secret = Buffer.from(secret, 'utf8');
  }

  key(purpose: KeyPurpose): Buffer {
    let key = this.#derived.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.#secret, 'laurel', purpose, 32));
      this.#derived.set(purpose, key);
    }
    return key;
  }

  /** Keyed hash for high-entropy tokens (client secrets, session ids); hex encoded. */
  hash(purpose: KeyPurpose, value: string): string {
    return createHmac('sha256', this.key(purpose)).update(value).digest('hex');
  }

  toJSON(): string {
    return '[redacted]';
  }
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random token of base62 characters (matches `^\w+$`), unbiased by rejection sampling. */
export function randomToken(length = 40): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < 248 && out.length < length) out += base62[byte % 62];
    }
  }
  return out;
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
