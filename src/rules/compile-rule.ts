import type { KeyPathInfo, ValueKind } from '../events/key-paths.js';
import type { DataRule, RuleOperator, ScalarValue } from './model.js';
import { pathReader, type PathReader } from './key-path.js';
import { renderExpected, renderPython } from './python-render.js';
import { compileSafeRegex } from './safe-regex.js';

/** Why a rule did not match an event, for explanations. */
export interface RuleFailure {
  index: number;
  path: string;
  op: RuleOperator;
  expected: DataRule['value'];
  /** The value found in the event (`undefined` when the path is missing). */
  actual: unknown;
  reason: string;
}

export interface CompiledRule {
  index: number;
  rule: DataRule;
  read: PathReader;
  kind: ValueKind | undefined;
  /** For `eq`: the Python-rendered expected value, which also keys the requirement index. */
  eqKey: string | undefined;
  /** Undefined when the rule matches, else the reason it does not. */
  check(data: unknown): string | undefined;
}

const quote = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

function toTime(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

type Check = (actual: unknown) => string | undefined;

function orderCheck(op: 'lt' | 'lte' | 'gt' | 'gte', expected: ScalarValue): Check {
  const holds = {
    lt: (a: number, b: number) => a < b,
    lte: (a: number, b: number) => a <= b,
    gt: (a: number, b: number) => a > b,
    gte: (a: number, b: number) => a >= b,
  }[op];
  if (typeof expected === 'number') {
    return (actual) => {
      if (typeof actual !== 'number') return actual === undefined ? 'value is missing' : `${quote(actual)} is not a number`;
      return holds(actual, expected) ? undefined : `${actual} is not ${op} ${expected}`;
    };
  }
  const bound = toTime(expected);
  return (actual) => {
    const time = toTime(actual);
    if (Number.isNaN(time)) return actual === undefined ? 'value is missing' : `${quote(actual)} is not a date`;
    return holds(time, bound) ? undefined : `${quote(actual)} is not ${op} ${quote(expected)}`;
  };
}

function operatorCheck(rule: DataRule, kind: ValueKind | undefined): Check {
  const value = rule.value;
  const scalar = (Array.isArray(value) ? null : value) ?? null;
  switch (rule.op) {
    case 'eq':
    case 'ne': {
      const expected = renderExpected(scalar, kind);
      const wantEqual = rule.op === 'eq';
      return (actual) => {
        const rendered = renderPython(actual, kind);
        if ((rendered === expected) === wantEqual) return undefined;
        return wantEqual ? `${quote(rendered)} is not ${quote(expected)}` : `${quote(rendered)} equals ${quote(expected)}`;
      };
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return orderCheck(rule.op, scalar);
    case 'in':
    case 'not_in': {
      const options = new Set<unknown>(Array.isArray(value) ? value : [value]);
      const wantIn = rule.op === 'in';
      return (actual) => {
        if (actual === undefined) return 'value is missing';
        if (options.has(actual) === wantIn) return undefined;
        return wantIn ? `${quote(actual)} is not one of the listed values` : `${quote(actual)} is one of the listed values`;
      };
    }
    case 'contains':
      return (actual) => {
        if (typeof actual === 'string') return actual.includes(String(scalar)) ? undefined : `${quote(actual)} does not contain ${quote(scalar)}`;
        if (Array.isArray(actual)) return actual.includes(scalar) ? undefined : `the list does not contain ${quote(scalar)}`;
        return actual === undefined ? 'value is missing' : `${quote(actual)} is neither text nor a list`;
      };
    case 'exists':
      return (actual) => (actual !== undefined && actual !== null ? undefined : 'value is missing');
    case 'not_exists':
      return (actual) => (actual === undefined || actual === null ? undefined : `value is present (${quote(actual)})`);
    case 'matches': {
      const compiled = compileSafeRegex(String(scalar));
      if (!compiled.ok) return () => `invalid pattern: ${compiled.message}`;
      const regex = compiled.regex;
      return (actual) => {
        if (typeof actual !== 'string') return actual === undefined ? 'value is missing' : `${quote(actual)} is not text`;
        return regex.test(actual) ? undefined : `${quote(actual)} does not match /${String(scalar)}/`;
      };
    }
  }
}

/** Turns a validated rule into a closure; `info` is the path's schema entry when the type has one. */
export function compileRule(rule: DataRule, index: number, info: KeyPathInfo | undefined): CompiledRule {
  const read = pathReader(rule.path);
  const kind = info?.kind;
  const test = operatorCheck(rule, kind);
  const eqKey = rule.op === 'eq' && !Array.isArray(rule.value) ? renderExpected(rule.value ?? null, kind) : undefined;
  return { index, rule, read, kind, eqKey, check: (data) => test(read(data)) };
}

export function describeFailure(compiled: CompiledRule, data: unknown, reason: string): RuleFailure {
  return {
    index: compiled.index,
    path: compiled.rule.path,
    op: compiled.rule.op,
    expected: compiled.rule.value,
    actual: compiled.read(data),
    reason,
  };
}
