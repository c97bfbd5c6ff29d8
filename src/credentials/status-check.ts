import { createHash } from 'node:crypto';
import { verifyDataIntegrityProof } from './data-integrity-verify.js';
import type { ProofResult } from './data-integrity-verify.js';
import type { DocumentLoader } from './document-loader.js';
import { isObject } from './json.js';
import type { JsonObject } from './json.js';
import { minimumStatusListLength, StatusList } from './status-list.js';

/**
 * Where status-list credentials come from. The default reads them through the offline document
 * loader (Laurel's own lists); fetching other issuers' lists over the network is a separate,
 * opt-in resolver that can be injected here.
 */
export type StatusListResolver = (url: string) => Promise<unknown>;

export type StatusOutcome =
  | { outcome: 'passed' | 'skipped'; reasons: string[] }
  | { outcome: 'failed' | 'warning'; reasons: string[] };

/** Checks every revocation entry; a set bit fails, an unverifiable list is a failure too. */
export async function checkCredentialStatus(
  credential: JsonObject,
  options: { documentLoader: DocumentLoader; resolveStatusList: StatusListResolver; now: Date; signal?: AbortSignal },
): Promise<StatusOutcome> {
  const entries = credential.credentialStatus === undefined ? [] : [credential.credentialStatus].flat();
  if (entries.length === 0) return { outcome: 'skipped', reasons: ['credential has no credentialStatus'] };
  const reasons: string[] = [];
  let outcome: StatusOutcome['outcome'] = 'passed';
  for (const entry of entries) {
    if (!isObject(entry) || entry.type !== 'BitstringStatusListEntry') {
      outcome = outcome === 'failed' ? outcome : 'warning';
      reasons.push(`status type ${isObject(entry) ? String(entry.type) : '?'} is not checked offline`);
      continue;
    }
    const result = await checkBitstringEntry(credential, entry, options);
    if (!result.ok) outcome = 'failed';
    reasons.push(result.reason);
  }
  return { outcome, reasons };
}

async function checkBitstringEntry(
  credential: JsonObject,
  entry: JsonObject,
  options: { documentLoader: DocumentLoader; resolveStatusList: StatusListResolver; now: Date; signal?: AbortSignal },
): Promise<{ ok: boolean; reason: string }> {
  const url = entry.statusListCredential;
  const index = Number(entry.statusListIndex);
  if (typeof url !== 'string' || !Number.isInteger(index) || index < 0) return { ok: false, reason: 'malformed BitstringStatusListEntry' };
  let listCredential: unknown;
  try {
    listCredential = await options.resolveStatusList(url);
  } catch (error) {
    return { ok: false, reason: `status list ${url} unavailable: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!isObject(listCredential) || !isObject(listCredential.credentialSubject)) {
    return { ok: false, reason: `status list ${url} is not a credential` };
  }
  const proof = await verifyStatusListProof(listCredential, options);
  if (!proof.valid) return { ok: false, reason: `status list proof invalid: ${proof.reason ?? ''}` };
  if (idOf(listCredential.issuer) !== idOf(credential.issuer)) return { ok: false, reason: 'status list has a different issuer' };
  const validUntil = Date.parse(String(listCredential.validUntil));
  if (!Number.isNaN(validUntil) && validUntil < options.now.getTime()) return { ok: false, reason: 'status list has expired' };
  const subject = listCredential.credentialSubject;
  if (subject.statusPurpose !== entry.statusPurpose) return { ok: false, reason: 'status purpose does not match the list' };
  let list: StatusList;
  try {
    list = StatusList.decode(String(subject.encodedList));
  } catch (error) {
    return { ok: false, reason: `encodedList unreadable: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (list.length < minimumStatusListLength) return { ok: false, reason: 'status list is shorter than 131,072 entries' };
  if (index >= list.length) return { ok: false, reason: 'statusListIndex is outside the list' };
  if (list.isSet(index)) return { ok: false, reason: `${String(entry.statusPurpose)}: credential is revoked` };
  return { ok: true, reason: `${String(entry.statusPurpose)}: not revoked` };
}

/**
 * One status list covers thousands of credentials, so a valid proof is remembered per document
 * loader (key resolution depends on it) and per exact content (any change re-verifies).
 */
const listProofs = new WeakMap<DocumentLoader, Map<string, ProofResult>>();

async function verifyStatusListProof(
  listCredential: JsonObject,
  options: { documentLoader: DocumentLoader; signal?: AbortSignal },
): Promise<ProofResult> {
  let results = listProofs.get(options.documentLoader);
  if (!results) {
    results = new Map();
    listProofs.set(options.documentLoader, results);
  }
  const contentHash = createHash('sha256').update(JSON.stringify(listCredential)).digest('base64url');
  const cached = results.get(contentHash);
  if (cached) return cached;
  const result = await verifyDataIntegrityProof(listCredential, options);
  // Only successes are kept: a failure may be a timeout that deserves another try.
  if (result.valid) {
    if (results.size >= 100) results.clear();
    results.set(contentHash, result);
  }
  return result;
}

export function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return isObject(value) && typeof value.id === 'string' ? value.id : undefined;
}
