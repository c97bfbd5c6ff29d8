import { ob3ExtensionsContextUrl, vcV2ContextUrl } from './contexts.js';
import { isObject } from './json.js';
import type { JsonObject } from './json.js';

export interface RuleViolation {
  rule: string;
  path: string;
  message: string;
}

const obContextPattern = /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d\.\d)*\.json$/;
const extensionTypes = ['1EdTechJsonSchemaValidator2019', '1EdTechRevocationList', '1EdTechCredentialRefresh'];
const acceptedCryptosuites = ['eddsa-rdfc-2022'];

/**
 * Rules 1EdTech's validator applies beyond the JSON Schema (reference §1.8–1.11, §9): context
 * order and extensions, an embedded Profile issuer, subject identification, criteria, the types
 * of nested objects, and proofs as an array of Data Integrity `eddsa-rdfc-2022` proofs.
 */
export function checkConformance(credential: JsonObject): RuleViolation[] {
  const violations: RuleViolation[] = [];
  const fail = (rule: string, path: string, message: string): void => {
    violations.push({ rule, path, message });
  };

  const context = credential['@context'];
  if (!Array.isArray(context) || context[0] !== vcV2ContextUrl) {
    fail('context-order', '/@context/0', `first context must be ${vcV2ContextUrl}`);
  } else if (typeof context[1] !== 'string' || !obContextPattern.test(context[1])) {
    fail('context-order', '/@context/1', 'second context must be the OB 3.0 context');
  }
  const usesExtensionTerm = ['credentialSchema', 'credentialStatus', 'refreshService'].some((property) =>
    asArray(credential[property]).some((entry) => isObject(entry) && extensionTypes.includes(String(entry.type))),
  );
  if (usesExtensionTerm && !(Array.isArray(context) && context.includes(ob3ExtensionsContextUrl))) {
    fail('extensions-context', '/@context', `1EdTech terms are used without ${ob3ExtensionsContextUrl}`);
  }

  requireType(credential, '', ['OpenBadgeCredential', 'AchievementCredential'], fail);
  if (!asArray(credential.type).includes('VerifiableCredential')) fail('type', '/type', 'type must contain VerifiableCredential');

  const issuer = credential.issuer;
  if (!isObject(issuer)) fail('issuer-profile', '/issuer', 'issuer must be an embedded Profile object');
  else {
    requireType(issuer, '/issuer', ['Profile'], fail);
    checkProfile(issuer, '/issuer', fail);
  }

  const subject = credential.credentialSubject;
  if (!isObject(subject)) fail('subject', '/credentialSubject', 'credentialSubject must be an object');
  else checkSubject(subject, fail);

  asArray(credential.evidence).forEach((evidence, index) => requireType(evidence, `/evidence/${index}`, ['Evidence'], fail));

  if (credential.proof !== undefined) {
    if (!Array.isArray(credential.proof)) fail('proof-array', '/proof', 'proof must be an array');
    asArray(credential.proof).forEach((proof, index) => {
      if (!isObject(proof) || proof.type !== 'DataIntegrityProof' || !acceptedCryptosuites.includes(String(proof.cryptosuite))) {
        fail('proof-suite', `/proof/${index}`, 'proof must be a DataIntegrityProof with cryptosuite eddsa-rdfc-2022');
      } else if (proof.proofPurpose !== 'assertionMethod') {
        fail('proof-purpose', `/proof/${index}/proofPurpose`, 'proofPurpose must be assertionMethod');
      }
    });
  }

  const validFrom = Date.parse(String(credential.validFrom));
  const validUntil = Date.parse(String(credential.validUntil));
  if (!Number.isNaN(validFrom) && !Number.isNaN(validUntil) && validUntil < validFrom) {
    fail('validity-order', '/validUntil', 'validUntil is before validFrom');
  }
  asArray(credential.credentialStatus).forEach((status, index) => {
    if (isObject(status) && status.type === 'BitstringStatusListEntry' && typeof status.statusListIndex !== 'string') {
      fail('status-index', `/credentialStatus/${index}/statusListIndex`, 'statusListIndex must be a string');
    }
  });
  return violations;
}

type Fail = (rule: string, path: string, message: string) => void;

function checkSubject(subject: JsonObject, fail: Fail): void {
  requireType(subject, '/credentialSubject', ['AchievementSubject'], fail);
  if (subject.id === undefined && asArray(subject.identifier).length === 0) {
    fail('subject-identified', '/credentialSubject', 'credentialSubject needs an id or at least one identifier');
  }
  const achievement = subject.achievement;
  if (!isObject(achievement)) {
    fail('achievement', '/credentialSubject/achievement', 'achievement must be an embedded Achievement');
    return;
  }
  const path = '/credentialSubject/achievement';
  requireType(achievement, path, ['Achievement'], fail);
  const criteria = achievement.criteria;
  if (!isObject(criteria) || (criteria.id === undefined && criteria.narrative === undefined)) {
    fail('criteria', `${path}/criteria`, 'criteria needs an id or a narrative');
  }
  asArray(achievement.resultDescription).forEach((entry, index) =>
    requireType(entry, `${path}/resultDescription/${index}`, ['ResultDescription'], fail),
  );
  asArray(achievement.otherIdentifier).forEach((entry, index) =>
    requireSingleType(entry, `${path}/otherIdentifier/${index}`, 'IdentifierEntry', fail),
  );
  if (isObject(achievement.creator)) checkProfile(achievement.creator, `${path}/creator`, fail);
  asArray(subject.result).forEach((entry, index) => requireType(entry, `/credentialSubject/result/${index}`, ['Result'], fail));
  if (subject.source !== undefined) requireType(subject.source, '/credentialSubject/source', ['Profile'], fail);
}

function checkProfile(profile: JsonObject, path: string, fail: Fail): void {
  if (profile.parentOrg !== undefined) requireType(profile.parentOrg, `${path}/parentOrg`, ['Profile'], fail);
  asArray(profile.otherIdentifier).forEach((entry, index) =>
    requireSingleType(entry, `${path}/otherIdentifier/${index}`, 'IdentifierEntry', fail),
  );
}

/** `type` must be an array containing one of `accepted`. */
function requireType(value: unknown, path: string, accepted: string[], fail: Fail): void {
  const type = isObject(value) ? value.type : undefined;
  if (!Array.isArray(type)) {
    fail('type-array', `${path}/type`, `type must be an array containing ${accepted.join(' or ')}`);
  } else if (!accepted.some((name) => type.includes(name))) {
    fail('type', `${path}/type`, `type must contain ${accepted.join(' or ')}`);
  }
}

function requireSingleType(value: unknown, path: string, expected: string, fail: Fail): void {
  if (!isObject(value) || value.type !== expected) fail('type', `${path}/type`, `type must be "${expected}"`);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
