import { createHash, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { canonize } from './canonicalization.js';
import type { DocumentLoader } from './document-loader.js';
import { isoSeconds } from './json.js';
import type { JsonObject } from './json.js';
import { privateKeyObject } from './keys.js';
import type { Ed25519KeyPair } from './keys.js';
import { base58btcEncode } from './multibase.js';

export interface DataIntegritySigningKey {
  /** The verification method id the proof names (resolvable to this key's public part). */
  verificationMethod: string;
  keyPair: Ed25519KeyPair;
}

/**
 * Signs with a `DataIntegrityProof` / `eddsa-rdfc-2022` (W3C VC-DI-EdDSA §3.3), emitting `proof`
 * as an array. The steps are done here rather than through jsonld-signatures because the proof
 * configuration depends only on (context, created, method), so its hash can be reused across a
 * batch: that halves the per-credential cost. Canonicalisation gives the cryptosuite's output
 * (RDFC-1.0, JSON-LD safe mode: an undefined term makes signing fail), and verification goes
 * through the Digital Bazaar library, so the two paths check each other.
 */
export class DataIntegritySigner {
  readonly #documentLoader: DocumentLoader;
  readonly #proofHashes = new Map<string, Buffer>();
  readonly #privateKeys = new Map<string, KeyObject>();

  constructor(documentLoader: DocumentLoader) {
    this.#documentLoader = documentLoader;
  }

  async sign(credential: JsonObject, key: DataIntegritySigningKey, created: Date): Promise<JsonObject> {
    const { proof: existing, ...unsecured } = credential;
    const proofOptions = {
      type: 'DataIntegrityProof',
      cryptosuite: cryptosuite.name,
      created: isoSeconds(created),
      verificationMethod: key.verificationMethod,
      proofPurpose: 'assertionMethod',
    };
    const [proofHash, documentHash] = await Promise.all([
      this.#proofConfigHash(unsecured['@context'], proofOptions),
      this.#canonicalHash(unsecured),
    ]);
    const signature = sign(null, Buffer.concat([proofHash, documentHash]), this.#privateKey(key));
    const proof = { ...proofOptions, proofValue: `z${base58btcEncode(signature)}` };
    const proofs = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
    return { ...unsecured, proof: [...proofs, proof] };
  }

  async #proofConfigHash(context: unknown, proofOptions: JsonObject): Promise<Buffer> {
    const cacheKey = JSON.stringify([context, proofOptions]);
    let hash = this.#proofHashes.get(cacheKey);
    if (!hash) {
      hash = await this.#canonicalHash({ '@context': context, ...proofOptions });
      // `created` has one-second resolution, so only the last few entries are ever hit again.
      if (this.#proofHashes.size > 64) this.#proofHashes.clear();
      this.#proofHashes.set(cacheKey, hash);
    }
    return hash;
  }

  async #canonicalHash(document: JsonObject): Promise<Buffer> {
    const nquads = await canonize(document, { documentLoader: this.#documentLoader });
    return createHash('sha256').update(nquads, 'utf8').digest();
  }

  #privateKey(key: DataIntegritySigningKey): KeyObject {
    let keyObject = this.#privateKeys.get(key.keyPair.publicKeyMultibase);
    if (!keyObject) {
      keyObject = privateKeyObject(key.keyPair);
      this.#privateKeys.set(key.keyPair.publicKeyMultibase, keyObject);
    }
    return keyObject;
  }
}
