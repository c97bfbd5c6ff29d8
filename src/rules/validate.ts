import { AppError, type FieldError } from '../kernel/errors.js';
import type { KeyPathCatalog, KeyPathInfo, ValueKind } from '../events/key-paths.js';
import type { EventTypeRegistry } from '../events/registry.js';
import { selfDependencyErrors } from './badge-dependency.js';
import { ruleOperators, type BadgeClassRules, type DataRule, type Penalty, type Requirement, type RuleOperator } from './model.js';
import { isBooleanSpelling } from './python-render.js';
import { compileSafeRegex } from './safe-regex.js';

/**
 * Checks rule definitions against the event type's schema before they are stored, so that a typo
 * in a key path or a comparison that can never hold is a clear error naming the rule, not a badge
 * that silently never arrives. Fields are JSON pointers into the submitted document.
 */
const maxListLength = 1_000;
const orderOps = new Set<RuleOperator>(['lt', 'lte', 'gt', 'gte']);
const numericKinds = new Set<ValueKind | undefined>(['integer', 'number']);

const isScalar = (value: unknown) => value === null || ['string', 'number', 'boolean'].includes(typeof value);
const isIsoDate = (value: unknown) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value));

function pathErrors(path: unknown, catalog: KeyPathCatalog, eventType: string, field: string): FieldError[] {
  if (typeof path !== 'string' || path === '' || path.split('.').some((key) => key === '')) {
    return [{ field, message: 'must be a dot-separated key path such as "course.course_key"' }];
  }
  if (catalog && !catalog.has(path)) {
    const known = [...catalog.keys()].slice(0, 20).join(', ');
    return [{ field, message: `unknown key path "${path}" for ${eventType}; known paths: ${known}` }];
  }
  return [];
}

/** Whether a scalar can be compared for equality with values of `kind` (unknown kinds accept anything). */
function scalarFits(value: unknown, kind: ValueKind | undefined, forEq: boolean): string | undefined {
  if (value === null || kind === undefined) return undefined;
  switch (kind) {
    case 'boolean':
      if (typeof value === 'boolean' || (forEq && typeof value === 'string' && isBooleanSpelling(value))) return undefined;
      return forEq ? 'must be a boolean (true/false, yes/no, +/-)' : 'must be true or false';
    case 'integer':
    case 'number':
      if (typeof value === 'number' || (forEq && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))) {
        return kind === 'integer' && typeof value === 'number' && !Number.isInteger(value) ? 'must be an integer' : undefined;
      }
      return 'must be a number';
    case 'string':
    case 'datetime':
      return typeof value === 'string' ? undefined : 'must be text';
    case 'object':
    case 'array':
      return `cannot be compared with a ${kind === 'object' ? 'record' : 'list'}; use exists or not_exists`;
  }
}

function valueErrors(rule: DataRule, info: KeyPathInfo | undefined, field: string): FieldError[] {
  const { op, value } = rule;
  const kind = info?.kind;
  const error = (message: string, at = field) => [{ field: at, message }];
  if (op === 'exists' || op === 'not_exists') return value === undefined || value === null ? [] : error(`must be omitted for ${op}`);
  if (op === 'in' || op === 'not_in') {
    if (!Array.isArray(value) || value.length === 0 || value.length > maxListLength) {
      return error(`must be a list of 1 to ${maxListLength} values`);
    }
    return value.flatMap((item, i) => {
      const problem = isScalar(item) ? scalarFits(item, kind, false) : 'must be text, a number, a boolean or null';
      return problem ? error(problem, `${field}/${i}`) : [];
    });
  }
  if (!isScalar(value) || value === undefined) return error(`must be a single value for ${op}`);
  if (op === 'eq' || op === 'ne') {
    // Python renders a null or missing value as "None": upstream rules compare nullable fields with that text.
    if (value === 'None' && info?.nullable) return [];
    const problem = scalarFits(value, kind, true);
    return problem ? error(problem) : [];
  }
  if (orderOps.has(op)) {
    if (kind !== undefined && !numericKinds.has(kind) && kind !== 'datetime') {
      return error(`${op} compares numbers or dates, but "${rule.path}" holds ${kind} values`, field.replace(/\/value$/, '/op'));
    }
    if (numericKinds.has(kind)) return typeof value === 'number' ? [] : error('must be a number');
    if (kind === 'datetime') return isIsoDate(value) ? [] : error('must be an ISO 8601 date');
    return typeof value === 'number' || isIsoDate(value) ? [] : error('must be a number or an ISO 8601 date');
  }
  if (op === 'contains') {
    if (kind !== undefined && kind !== 'string' && kind !== 'array') {
      return error(`contains needs a text or list field, but "${rule.path}" holds ${kind} values`, field.replace(/\/value$/, '/op'));
    }
    return kind === 'string' && typeof value !== 'string' ? error('must be text') : [];
  }
  // matches
  if (kind !== undefined && kind !== 'string' && kind !== 'datetime') {
    return error(`matches needs a text field, but "${rule.path}" holds ${kind} values`, field.replace(/\/value$/, '/op'));
  }
  if (typeof value !== 'string') return error('must be a regular expression (RE2 syntax)');
  const compiled = compileSafeRegex(value);
  return compiled.ok ? [] : error(`invalid regular expression: ${compiled.message}`);
}

export function ruleErrors(rule: unknown, catalog: KeyPathCatalog, eventType: string, pointer: string): FieldError[] {
  if (typeof rule !== 'object' || rule === null) return [{ field: pointer, message: 'must be an object {path, op, value}' }];
  const candidate = rule as Partial<DataRule>;
  const errors = pathErrors(candidate.path, catalog, eventType, `${pointer}/path`);
  if (!ruleOperators.includes(candidate.op as RuleOperator)) {
    return [...errors, { field: `${pointer}/op`, message: `must be one of ${ruleOperators.join(', ')}` }];
  }
  if (errors.length > 0) return errors;
  return valueErrors(candidate as DataRule, catalog?.get(candidate.path as string), `${pointer}/value`);
}

function rulesErrors(rules: unknown, catalog: KeyPathCatalog, eventType: string, pointer: string): FieldError[] {
  if (!Array.isArray(rules)) return [{ field: `${pointer}/rules`, message: 'must be a list of rules' }];
  return rules.flatMap((rule, i) => ruleErrors(rule, catalog, eventType, `${pointer}/rules/${i}`));
}

function eventTypeErrors(eventType: unknown, pointer: string): FieldError[] {
  return typeof eventType === 'string' && /^[\w.-]{1,255}$/.test(eventType)
    ? []
    : [{ field: `${pointer}/eventType`, message: 'must be an event type name (letters, digits, "_", "-", ".")' }];
}

export function requirementErrors(requirement: Requirement, registry: EventTypeRegistry, pointer = ''): FieldError[] {
  const typeErrors = eventTypeErrors(requirement.eventType, pointer);
  if (typeErrors.length > 0) return typeErrors;
  const catalog = registry.resolve(requirement.eventType).keyPaths;
  const errors = rulesErrors(requirement.rules, catalog, requirement.eventType, pointer);
  if (requirement.group !== undefined && (typeof requirement.group !== 'string' || requirement.group === '' || requirement.group.length > 255)) {
    errors.push({ field: `${pointer}/group`, message: 'must be a non-empty name of at most 255 characters' });
  }
  const { count, window } = requirement;
  if (count !== undefined) {
    if (!Number.isInteger(count.n) || count.n < 1 || count.n > 10_000) {
      errors.push({ field: `${pointer}/count/n`, message: 'must be an integer from 1 to 10000' });
    }
    if (count.distinctBy !== undefined) errors.push(...pathErrors(count.distinctBy, catalog, requirement.eventType, `${pointer}/count/distinctBy`));
  }
  if (window !== undefined) {
    for (const bound of ['from', 'until'] as const) {
      if (window[bound] !== undefined && !isIsoDate(window[bound])) errors.push({ field: `${pointer}/window/${bound}`, message: 'must be an ISO 8601 date' });
    }
    if (window.from === undefined && window.until === undefined) errors.push({ field: `${pointer}/window`, message: 'needs from, until or both' });
    else if (window.from && window.until && Date.parse(window.from) >= Date.parse(window.until)) {
      errors.push({ field: `${pointer}/window/until`, message: 'must be after from' });
    }
  }
  return errors;
}

export function penaltyErrors(penalty: Penalty, registry: EventTypeRegistry, requirementIds?: ReadonlySet<string>, pointer = ''): FieldError[] {
  const typeErrors = eventTypeErrors(penalty.eventType, pointer);
  if (typeErrors.length > 0) return typeErrors;
  const errors = rulesErrors(penalty.rules, registry.resolve(penalty.eventType).keyPaths, penalty.eventType, pointer);
  if (!Array.isArray(penalty.requirementIds) || penalty.requirementIds.length === 0) {
    errors.push({ field: `${pointer}/requirementIds`, message: 'must name at least one requirement of this badge class' });
  } else if (requirementIds) {
    penalty.requirementIds.forEach((id, i) => {
      if (!requirementIds.has(id)) errors.push({ field: `${pointer}/requirementIds/${i}`, message: `${id} is not a requirement of this badge class` });
    });
  }
  return errors;
}

/** All rules of a badge class; `active` adds the rule that an active badge class needs a requirement. */
export function badgeClassRulesErrors(rules: BadgeClassRules, registry: EventTypeRegistry, options: { active: boolean }): FieldError[] {
  const errors: FieldError[] = [];
  if (options.active && rules.requirements.length === 0) {
    errors.push({ field: '/requirements', message: 'an active badge class needs at least one requirement' });
  }
  const ids = new Set<string>();
  rules.requirements.forEach((requirement, i) => {
    if (ids.has(requirement.id)) errors.push({ field: `/requirements/${i}/id`, message: `duplicate requirement id ${requirement.id}` });
    ids.add(requirement.id);
    errors.push(...requirementErrors(requirement, registry, `/requirements/${i}`));
    errors.push(...selfDependencyErrors(rules.badgeClassId, requirement, 'requirement', `/requirements/${i}`));
  });
  rules.penalties.forEach((penalty, i) => {
    errors.push(...penaltyErrors(penalty, registry, ids, `/penalties/${i}`));
    errors.push(...selfDependencyErrors(rules.badgeClassId, penalty, 'penalty', `/penalties/${i}`));
  });
  return errors;
}

/** Throws the 400 `validation_failed` problem listing every error, or returns quietly. */
export function assertNoErrors(errors: FieldError[], what: string): void {
  if (errors.length > 0) throw new AppError('validation_failed', `Invalid ${what}: ${errors[0]?.field} ${errors[0]?.message}`, { errors });
}
