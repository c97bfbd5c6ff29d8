import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeMultikey, ed25519PublicPrefix, encodeMultikey } from './multibase.js';

/**
 * Per-issuer signing keys. Ed25519 signs Data Integrity proofs (eddsa-rdfc-2022) and is published
 * as a Multikey; P-256 signs VC-JWTs (ES256, the curve 1EdTech's validator accepts) and is
 * published as a JWK. `version` grows on rotation and names the verification method, so every
 * old key stays publishable next to the new one.
 */
export interface P256PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

export interface Ed25519PublicKey {
  algorithm: 'Ed25519';
  version: number;
  publicKeyMultibase: string;
}

export interface P256PublicKey {
  algorithm: 'P-256';
  version: number;
  publicKeyJwk: P256PublicJwk;
}

export type PublicKey = Ed25519PublicKey | P256PublicKey;

/** The private half is the raw 32-byte secret: the Ed25519 seed or the P-256 scalar `d`. */
export type Ed25519KeyPair = Ed25519PublicKey & { privateKey: Uint8Array };
export type P256KeyPair = P256PublicKey & { privateKey: Uint8Array };
export type SigningKeyPair = Ed25519KeyPair | P256KeyPair;

export function generateEd25519KeyPair(version = 1): Ed25519KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    algorithm: 'Ed25519',
    version,
    publicKeyMultibase: encodeMultikey(ed25519PublicPrefix, Buffer.from(jwk.x ?? '', 'base64url')),
    privateKey: Buffer.from(jwk.d ?? '', 'base64url'),
  };
}

export function generateP256KeyPair(version = 1): P256KeyPair {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    algorithm: 'P-256',
    version,
    publicKeyJwk: { kty: 'EC', crv: 'P-256', x: jwk.x ?? '', y: jwk.y ?? '' },
    privateKey: Buffer.from(jwk.d ?? '', 'base64url'),
  };
}

export function publicKeyOf(pair: SigningKeyPair): PublicKey {
  return pair.algorithm === 'Ed25519'
    ? { algorithm: 'Ed25519', version: pair.version, publicKeyMultibase: pair.publicKeyMultibase }
    : { algorithm: 'P-256', version: pair.version, publicKeyJwk: { ...pair.publicKeyJwk } };
}

/** Fragment of the verification method in a did:web document, e.g. `ed25519-1`, `p256-2`. */
export function keyFragment(key: PublicKey): string {
  return `${key.algorithm === 'Ed25519' ? 'ed25519' : 'p256'}-${key.version}`;
}

export function ed25519PublicKeyBytes(publicKeyMultibase: string): Uint8Array | undefined {
  return decodeMultikey(ed25519PublicPrefix, publicKeyMultibase, 32);
}

/** A node:crypto private key object for signing; built from the raw secret plus the public part. */
export function privateKeyObject(pair: SigningKeyPair): KeyObject {
  const d = Buffer.from(pair.privateKey).toString('base64url');
  if (pair.algorithm === 'P-256') return createPrivateKey({ format: 'jwk', key: { ...pair.publicKeyJwk, d } });
  const x = Buffer.from(ed25519PublicKeyBytes(pair.publicKeyMultibase) ?? []).toString('base64url');
  return createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x, d } });
}

export function ed25519PublicKeyObject(publicKeyMultibase: string): KeyObject | undefined {
  const raw = ed25519PublicKeyBytes(publicKeyMultibase);
  if (!raw) return undefined;
  return createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') } });
}
