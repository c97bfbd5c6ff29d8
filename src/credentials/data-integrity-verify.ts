import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { verifyCredential } from '@digitalbazaar/vc';
import { canonize } from './canonicalization.js';
import type { DocumentLoader } from './document-loader.js';
import type { JsonObject } from './json.js';

export interface ProofResult {
  valid: boolean;
  /** Why it failed, in the library's words. */
  reason?: string;
}

/**
 * Verifies an `eddsa-rdfc-2022` proof with the Digital Bazaar stack, which also checks that the
 * method is an `assertionMethod` of its controller and that the controller is the issuer.
 * Canonicalisation runs with rdf-canonize's default work-factor limit and the caller's abort
 * signal, so a poison graph costs a bounded amount of time.
 */
export async function verifyDataIntegrityProof(
  credential: JsonObject,
  options: { documentLoader: DocumentLoader; signal?: AbortSignal },
): Promise<ProofResult> {
  const guarded = {
    ...cryptosuite,
    canonize: (input: JsonObject, canonizeOptions: { documentLoader: DocumentLoader }) =>
      canonize(input, { documentLoader: canonizeOptions.documentLoader, maxWorkFactor: 1, signal: options.signal }),
  };
  const result = await verifyCredential({
    credential,
    suite: new DataIntegrityProof({ cryptosuite: guarded }),
    documentLoader: options.documentLoader,
    // Validity dates and status are separate checks in Laurel's report; pinning `now` inside the
    // validity window keeps this result about the proof alone.
    now: instantInsideValidity(credential),
    checkStatus: () => Promise.resolve({ verified: true }),
  });
  if (result.verified) return { valid: true };
  return { valid: false, reason: describe(result.error ?? result.results?.find((entry) => !entry.verified)?.error) };
}

function instantInsideValidity(credential: JsonObject): Date {
  const from = Date.parse(String(credential.validFrom ?? credential.issuanceDate ?? ''));
  return Number.isNaN(from) ? new Date() : new Date(from);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const nested = (error as Error & { errors?: unknown[] }).errors;
    if (Array.isArray(nested) && nested.length > 0) return nested.map(describe).join('; ');
    return error.message;
  }
  return 'proof verification failed';
}
