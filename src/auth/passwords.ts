import { randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { constantTimeEqual, randomToken } from '../kernel/secrets.js';

/**
 * Passwords are hashed with scrypt (memory-hard, built into Node, no native add-on to install):
 * N=2^15, r=8, p=1 uses 32 MiB per hash. Parameters are stored with the hash so they can be
 * raised later without invalidating existing passwords.
 */
const params = { N: 2 ** 15, r: 8, p: 1 };
const keyLength = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, { ...options, maxmem: 128 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const derived = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return constantTimeEqual(derived.toString('base64'), key);
}

/** A hash that matches no password, verified against when the account does not exist (equal timing). */
export const unusablePasswordHash = `scrypt$${params.N}$${params.r}$${params.p}$${Buffer.alloc(16).toString('base64')}$x`;

export const minimumPasswordLength = 12;

export function generatePassword(): string {
  return randomToken(20);
}
