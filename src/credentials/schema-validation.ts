import { Ajv2019 } from 'ajv/dist/2019.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import achievementCredentialSchema from './schema/ob_v3p0_achievementcredential_schema.json' with { type: 'json' };

export interface SchemaResult {
  valid: boolean;
  /** `<JSON pointer> <message>` per violation. */
  errors: string[];
}

// ajv-formats is CommonJS: under NodeNext the default import is `module.exports`, the plugin is `.default`.
const addFormats = addFormatsModule.default;

let validator: ValidateFunction | undefined;

/** Compiled once, on first use: Ajv compilation of the 1EdTech schema takes tens of milliseconds. */
function achievementCredentialValidator(): ValidateFunction {
  if (!validator) {
    // The 1EdTech schema uses draft 2019-09 and keywords outside Ajv's strict vocabulary.
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    addFormats(ajv);
    validator = ajv.compile(achievementCredentialSchema);
  }
  return validator;
}

/** Validates against the vendored 1EdTech OB 3.0 AchievementCredential JSON Schema. */
export function validateAchievementCredential(credential: unknown): SchemaResult {
  const validate = achievementCredentialValidator();
  if (validate(credential)) return { valid: true, errors: [] };
  return { valid: false, errors: (validate.errors ?? []).map(describeError) };
}

function describeError(error: ErrorObject): string {
  return `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`;
}
