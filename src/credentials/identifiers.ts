import { isIP } from 'node:net';
import { keyFragment } from './keys.js';
import type { P256PublicJwk, PublicKey } from './keys.js';
import { encodeMultikey, p256PublicPrefix } from './multibase.js';

export type IssuerDidMethod = 'web' | 'key';

export interface IssuerDid {
  method: IssuerDidMethod;
  /** The DID, which is also the issuer Profile id and the controller of its keys. */
  did: string;
  /** Where the did:web document must be served; undefined for did:key. */
  documentUrl?: string;
}

/** did:key of an Ed25519 Multikey: the key is the identifier, no document to host. */
export function didKeyFromMultikey(publicKeyMultibase: string): string {
  return `did:key:${publicKeyMultibase}`;
}

/** did:key of a P-256 key (`did:key:zDn…`), used as the VC-JWT `kid` of did:key issuers. */
export function didKeyFromP256Jwk(jwk: P256PublicJwk): string {
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  // SEC1 compressed point: 0x02 for even y, 0x03 for odd y, followed by x.
  const compressed = Buffer.concat([Buffer.of(((y.at(-1) ?? 0) & 1) === 1 ? 0x03 : 0x02), x]);
  return `did:key:${encodeMultikey(p256PublicPrefix, compressed)}`;
}

const privateSuffixes = ['.localhost', '.local', '.internal', '.lan', '.home.arpa', '.test', '.invalid'];

/**
 * True when the public URL names a host that the outside world can resolve over HTTPS, which
 * is what did:web needs; localhost, IP literals, single-label and reserved private names are not.
 */
export function namesRealHost(publicUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    return false;
  }
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (url.protocol !== 'https:' || host === 'localhost' || !host.includes('.')) return false;
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return false;
  return !privateSuffixes.some((suffix) => host.endsWith(suffix));
}

/**
 * did:web for an issuer under the public URL: `https://badges.example.edu` and `iss_1` give
 * `did:web:badges.example.edu:issuers:iss_1`, served at `https://badges.example.edu/issuers/iss_1/did.json`.
 * A port is percent-encoded into the host segment and a base path becomes further segments.
 */
export function didWebForIssuer(publicUrl: string, issuerId: string): IssuerDid {
  const url = new URL(publicUrl);
  const basePath = url.pathname.split('/').filter((segment) => segment.length > 0);
  const pathSegments = [...basePath, 'issuers', issuerId];
  const host = url.port ? `${url.hostname}%3A${url.port}` : url.hostname;
  return {
    method: 'web',
    did: ['did:web', host, ...pathSegments.map(encodeURIComponent)].join(':'),
    documentUrl: `${url.origin}/${pathSegments.map(encodeURIComponent).join('/')}/did.json`,
  };
}

/** The issuer's DID: did:web when the deployment has a real public host, did:key otherwise. */
export function issuerDid(options: { publicUrl: string; issuerId: string; ed25519PublicKeyMultibase: string }): IssuerDid {
  if (namesRealHost(options.publicUrl)) return didWebForIssuer(options.publicUrl, options.issuerId);
  return { method: 'key', did: didKeyFromMultikey(options.ed25519PublicKeyMultibase) };
}

/**
 * The verification method id that signs with `key` for this issuer. did:web methods live in the
 * DID document under a versioned fragment; did:key methods are the key itself.
 */
export function verificationMethodId(issuer: IssuerDid, key: PublicKey): string {
  if (issuer.method === 'web') return `${issuer.did}#${keyFragment(key)}`;
  const keyDid = key.algorithm === 'Ed25519' ? didKeyFromMultikey(key.publicKeyMultibase) : didKeyFromP256Jwk(key.publicKeyJwk);
  return `${keyDid}#${keyDid.slice('did:key:'.length)}`;
}
