import { isCompactJws } from './baking-types.js';
import { extractFromImage, detectImageKind } from './baking.js';
import { checkConformance } from './conformance.js';
import { verifyDataIntegrityProof } from './data-integrity-verify.js';
import type { DocumentLoader } from './document-loader.js';
import { isObject } from './json.js';
import type { JsonObject } from './json.js';
import { validateAchievementCredential } from './schema-validation.js';
import { checkCredentialStatus, idOf } from './status-check.js';
import type { StatusListResolver } from './status-check.js';
import { verifyVcJwt } from './vc-jwt.js';

export type CheckName = 'format' | 'schema' | 'structure' | 'proof' | 'status' | 'validity' | 'issuer';
export type CheckOutcome = 'passed' | 'failed' | 'warning' | 'skipped';

export interface VerificationCheck {
  name: CheckName;
  outcome: CheckOutcome;
  reasons: string[];
}

export interface VerificationReport {
  /** True when no check failed (warnings and skipped checks do not fail a credential). */
  verified: boolean;
  /** How the credential arrived: JSON with an embedded proof, a VC-JWT, or baked in an image. */
  format: 'json' | 'vc-jwt' | 'png' | 'svg' | 'unknown';
  credential?: JsonObject;
  checks: VerificationCheck[];
}

export interface VerifierOptions {
  documentLoader: DocumentLoader;
  /** Defaults to reading status lists through `documentLoader`. */
  resolveStatusList?: StatusListResolver;
  now?: () => Date;
  /** Upper bound for one proof check, so a poison graph cannot hold a request hostage. */
  timeoutMs?: number;
}

/** Inputs larger than this are refused before any parsing (a credential is kilobytes). */
const maximumInputBytes = 8 * 1024 * 1024;

/**
 * Verifies an OB 3.0 credential given as parsed JSON, JSON text, a compact JWS or a baked PNG/SVG,
 * and reports named checks. It never throws: every failure, including garbage input, becomes a
 * failed check with a reason.
 */
export async function verifyCredential(input: unknown, options: VerifierOptions): Promise<VerificationReport> {
  try {
    return await verifyInput(input, { ...options, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
  } catch (error) {
    return failure('unknown', `verification aborted: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The options plus one deadline shared by every check of this verification. */
type Run = VerifierOptions & { signal: AbortSignal };

async function verifyInput(input: unknown, options: Run): Promise<VerificationReport> {
  if (isObject(input) && !(input instanceof Uint8Array)) return verifyJsonCredential(input, 'json', options);
  let text: string;
  let format: VerificationReport['format'] = 'json';
  if (input instanceof Uint8Array) {
    if (input.byteLength > maximumInputBytes) return failure('unknown', 'input is larger than 8 MB');
    const kind = detectImageKind(input);
    if (kind) {
      const baked = extractFromImage(input);
      if (!baked) return failure(kind, `the ${kind.toUpperCase()} image carries no baked badge`);
      if (baked.format === 'ob2') return failure(kind, 'the image carries an OB 2.0 assertion; those are verified by fetching their hosted id');
      format = kind;
      text = baked.text;
    } else text = Buffer.from(input).toString('utf8');
  } else if (typeof input === 'string') {
    if (input.length > maximumInputBytes) return failure('unknown', 'input is larger than 8 MB');
    text = input;
  } else return failure('unknown', 'input is neither JSON, a compact JWS nor an image');

  text = text.trim();
  if (isCompactJws(text)) return verifyJwtCredential(text, format === 'json' ? 'vc-jwt' : format, options);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return failure(format === 'json' ? 'unknown' : format, 'content is neither JSON nor a compact JWS');
  }
  if (!isObject(parsed)) return failure(format, 'JSON is not an object');
  return verifyJsonCredential(parsed, format, options);
}

async function verifyJsonCredential(
  credential: JsonObject,
  format: VerificationReport['format'],
  options: Run,
): Promise<VerificationReport> {
  const proofs = [credential.proof ?? []].flat();
  let proof: VerificationCheck;
  if (proofs.length === 0) proof = check('proof', 'failed', ['credential has no embedded proof']);
  else {
    const result = await verifyDataIntegrityProof(credential, { documentLoader: options.documentLoader, signal: options.signal });
    proof = check('proof', result.valid ? 'passed' : 'failed', [result.valid ? 'eddsa-rdfc-2022 signature valid' : (result.reason ?? 'invalid')]);
  }
  const firstProof: unknown = proofs[0];
  const method = isObject(firstProof) && typeof firstProof.verificationMethod === 'string' ? firstProof.verificationMethod : undefined;
  // For DID methods the controller is the DID itself; for HTTP key documents the library has
  // already compared the document's controller with the issuer during the proof check.
  const controller = method?.startsWith('did:') ? method.split('#')[0] : undefined;
  return assemble(credential, format, proof, issuerCheck(credential, controller), options);
}

async function verifyJwtCredential(jws: string, format: VerificationReport['format'], options: Run): Promise<VerificationReport> {
  const result = await verifyVcJwt(jws, options.documentLoader);
  if (!result.valid) {
    const proof = check('proof', 'failed', [result.reason]);
    if (!result.credential) return { verified: false, format, checks: [proof] };
    return assemble(result.credential, format, proof, issuerCheck(result.credential, undefined), options);
  }
  const proof = check('proof', 'passed', [`ES256 JWS signature valid (kid ${result.kid})`]);
  const issuer =
    result.keyController === undefined || result.keyController === idOf(result.credential.issuer)
      ? issuerCheck(result.credential, result.keyController)
      : result.kid.startsWith('did:key:')
        ? check('issuer', 'warning', [`signing key ${result.kid} is a standalone did:key, not a method of the issuer`])
        : check('issuer', 'failed', [`signing key is controlled by ${result.keyController}, not the issuer`]);
  return assemble(result.credential, format, proof, issuer, options);
}

async function assemble(
  credential: JsonObject,
  format: VerificationReport['format'],
  proof: VerificationCheck,
  issuer: VerificationCheck,
  options: Run,
): Promise<VerificationReport> {
  const now = options.now?.() ?? new Date();
  const schema = validateAchievementCredential(credential);
  const violations = checkConformance(credential);
  const status = await checkCredentialStatus(credential, {
    documentLoader: options.documentLoader,
    resolveStatusList: options.resolveStatusList ?? (async (url) => (await options.documentLoader(url)).document),
    now,
    signal: options.signal,
  });
  const checks = [
    check('format', 'passed', [`read as ${format}`]),
    check('schema', schema.valid ? 'passed' : 'failed', schema.valid ? ['matches the 1EdTech OB 3.0 JSON Schema'] : schema.errors),
    check(
      'structure',
      violations.length === 0 ? 'passed' : 'failed',
      violations.length === 0 ? ['context order, issuer Profile, types and subject follow the 1EdTech rules'] : violations.map((v) => `${v.path}: ${v.message}`),
    ),
    proof,
    check('status', status.outcome, status.reasons),
    validityCheck(credential, now),
    issuer,
  ];
  return { verified: checks.every((entry) => entry.outcome !== 'failed'), format, credential, checks };
}

function validityCheck(credential: JsonObject, now: Date): VerificationCheck {
  const from = Date.parse(String(credential.validFrom ?? credential.issuanceDate));
  const untilValue = credential.validUntil ?? credential.expirationDate;
  const until = untilValue === undefined ? undefined : Date.parse(String(untilValue));
  if (Number.isNaN(from)) return check('validity', 'failed', ['validFrom is missing or not a date-time']);
  if (until !== undefined && Number.isNaN(until)) return check('validity', 'failed', ['validUntil is not a date-time']);
  if (from > now.getTime()) return check('validity', 'failed', [`not valid before ${String(credential.validFrom)}`]);
  if (until !== undefined && until < now.getTime()) return check('validity', 'failed', [`expired at ${String(untilValue)}`]);
  return check('validity', 'passed', [until === undefined ? 'valid, does not expire' : `valid until ${String(untilValue)}`]);
}

/** The issuer must be identified, and the signing key must belong to it (controller = issuer id). */
function issuerCheck(credential: JsonObject, keyController: string | undefined): VerificationCheck {
  const issuerId = idOf(credential.issuer);
  if (!issuerId) return check('issuer', 'failed', ['issuer has no id']);
  if (keyController !== undefined && keyController !== issuerId) {
    return check('issuer', 'failed', [`signing key belongs to ${keyController}, not to the issuer ${issuerId}`]);
  }
  const name = isObject(credential.issuer) && typeof credential.issuer.name === 'string' ? ` (${credential.issuer.name})` : '';
  return check('issuer', 'passed', [`issued by ${issuerId}${name}; no issuer registry consulted`]);
}

function check(name: CheckName, outcome: CheckOutcome, reasons: string[]): VerificationCheck {
  return { name, outcome, reasons };
}

function failure(format: VerificationReport['format'], reason: string): VerificationReport {
  return { verified: false, format, checks: [check('format', 'failed', [reason])] };
}
