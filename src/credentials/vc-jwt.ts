import { ECDH, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { isObject } from './json.js';
import type { DocumentLoader } from './document-loader.js';
import type { JsonObject } from './json.js';
import { privateKeyObject } from './keys.js';
import type { P256KeyPair } from './keys.js';
import { decodeMultikey, p256PublicPrefix } from './multibase.js';

export interface VcJwtSigningKey {
  /** Verification method id that dereferences to the public JWK (did:web `#p256-n` or did:key). */
  kid: string;
  keyPair: P256KeyPair;
}

const privateKeys = new WeakMap<P256KeyPair, KeyObject>();

/**
 * OB 3.0 VC-JWT: the payload is the credential itself plus the registered claims that mirror it
 * (`iss`, `jti`, `nbf`, `sub` when the subject has an id, `exp` when it expires); ES256 with a
 * resolvable `kid`, the combination 1EdTech's validator accepts. The compact JWS is put together
 * here and signed with node:crypto (IEEE P1363 form, as JWS requires) because jose signs through
 * WebCrypto, whose asynchronous hop costs about three times the signature itself; verification
 * stays with jose.
 */
export async function signVcJwt(credential: JsonObject, key: VcJwtSigningKey): Promise<string> {
  const payload = { ...credential, ...jwtClaims(credential) };
  let privateKey = privateKeys.get(key.keyPair);
  if (!privateKey) {
    privateKey = privateKeyObject(key.keyPair);
    privateKeys.set(key.keyPair, privateKey);
  }
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: key.kid })).toString('base64url');
  const signingInput = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

function jwtClaims(credential: JsonObject): JsonObject {
  const issuer = credential.issuer;
  const subject = credential.credentialSubject;
  return {
    iss: isObject(issuer) ? issuer.id : issuer,
    jti: credential.id,
    nbf: numericDate(credential.validFrom),
    sub: isObject(subject) ? subject.id : undefined,
    exp: numericDate(credential.validUntil),
  };
}

function numericDate(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : Math.floor(time / 1000);
}

export type VcJwtResult =
  | { valid: true; credential: JsonObject; kid: string; keyController: string | undefined }
  | { valid: false; reason: string; credential?: JsonObject };

/** The JWT parts that are not the credential. */
const registeredClaims = ['iss', 'jti', 'nbf', 'sub', 'exp', 'iat', 'aud'];

/**
 * Verifies signature and claim consistency of a VC-JWT and returns the credential inside it.
 * Keys come from the `kid` through the offline document loader (did:key keys from the key itself).
 */
export async function verifyVcJwt(jws: string, documentLoader: DocumentLoader): Promise<VcJwtResult> {
  let kid: string | undefined;
  let alg: string | undefined;
  try {
    ({ kid, alg } = decodeProtectedHeader(jws));
  } catch {
    return { valid: false, reason: 'not a compact JWS' };
  }
  if (alg !== 'ES256' && alg !== 'RS256') return { valid: false, reason: `algorithm ${String(alg)} is not ES256 or RS256` };
  if (!kid) return { valid: false, reason: 'JOSE header has no kid' };
  let method: { jwk: JsonObject; controller: string | undefined };
  let payload: Uint8Array;
  try {
    method = await resolveJwk(kid, documentLoader);
    const verified = await compactVerify(jws, await importJWK(method.jwk, alg), { algorithms: [alg] });
    payload = verified.payload;
  } catch (error) {
    return { valid: false, reason: error instanceof Error ? error.message : 'signature check failed' };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return { valid: false, reason: 'payload is not JSON' };
  }
  if (!isObject(claims)) return { valid: false, reason: 'payload is not a JSON object' };
  const credential = Object.fromEntries(Object.entries(claims).filter(([name]) => !registeredClaims.includes(name)));
  const mismatch = claimMismatch(claims, jwtClaims(credential));
  if (mismatch) return { valid: false, reason: mismatch, credential };
  return { valid: true, credential, kid, keyController: method.controller };
}

function claimMismatch(actual: JsonObject, expected: JsonObject): string | undefined {
  for (const [claim, value] of Object.entries(expected)) {
    if (value !== undefined && actual[claim] !== undefined && actual[claim] !== value) {
      return `JWT claim ${claim} does not match the credential`;
    }
  }
  return actual.iss === undefined ? 'JWT has no iss claim' : undefined;
}

async function resolveJwk(kid: string, documentLoader: DocumentLoader): Promise<{ jwk: JsonObject; controller: string | undefined }> {
  const p256DidKey = /^did:key:(zDn[1-9A-HJ-NP-Za-km-z]+)(#.*)?$/.exec(kid);
  if (p256DidKey?.[1]) return { jwk: p256JwkFromMultikey(p256DidKey[1]), controller: `did:key:${p256DidKey[1]}` };
  const { document } = await documentLoader(kid);
  if (!isObject(document) || !isObject(document.publicKeyJwk)) throw new Error(`kid ${kid} does not name a JWK`);
  if ('d' in document.publicKeyJwk) throw new Error('published JWK contains a private key');
  return { jwk: document.publicKeyJwk, controller: typeof document.controller === 'string' ? document.controller : undefined };
}

function p256JwkFromMultikey(multibase: string): JsonObject {
  const compressed = decodeMultikey(p256PublicPrefix, multibase, 33);
  if (!compressed) throw new Error('did:key is not a P-256 key');
  const point = ECDH.convertKey(compressed, 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
  return {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
  };
}
