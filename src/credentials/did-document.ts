import { didV1ContextUrl, multikeyContextUrl } from './contexts.js';
import type { JsonObject } from './json.js';
import { verificationMethodId } from './identifiers.js';
import type { IssuerDid } from './identifiers.js';
import type { PublicKey } from './keys.js';

/**
 * The did:web document of an issuer: every key it has ever had (old ones keep old credentials
 * verifiable), controller = the DID = the issuer id, and each method id listed as a string in
 * `assertionMethod`, which is what 1EdTech's resolver requires.
 */
export function buildDidDocument(issuer: IssuerDid, keys: readonly PublicKey[]): JsonObject {
  const methods = keys.map((key) => verificationMethod(issuer, key));
  return {
    '@context': [didV1ContextUrl, multikeyContextUrl],
    id: issuer.did,
    verificationMethod: methods,
    assertionMethod: methods.map((method) => method.id),
  };
}

export function verificationMethod(issuer: IssuerDid, key: PublicKey): JsonObject & { id: string } {
  const id = verificationMethodId(issuer, key);
  if (key.algorithm === 'Ed25519') {
    return { id, type: 'Multikey', controller: issuer.did, publicKeyMultibase: key.publicKeyMultibase };
  }
  return { id, type: 'JsonWebKey', controller: issuer.did, publicKeyJwk: { ...key.publicKeyJwk } };
}
