import { describe, expect, it } from 'vitest';
import { openedxEventType, openedxTypes } from '../../events/openedx/event-types.js';
import { compileRule } from '../../rules/compile-rule.js';
import { mapDataRule } from './data-rules.js';

const passing = openedxTypes.coursePassingStatusUpdated;
const catalog = openedxEventType(passing)!.keyPaths;

/**
 * Open edX's own evaluation, written out independently of Laurel's code: `str()` of the payload
 * value (None for a missing path) compared as text with the expected value, whose ten boolean
 * spellings become "True"/"False" (models.py, AbstractDataRule.apply).
 */
function upstreamMatches(data: Record<string, unknown>, path: string, operator: 'eq' | 'ne', value: string): boolean {
  let actual: unknown = data;
  for (const key of path.split('.')) actual = actual && typeof actual === 'object' ? (actual as Record<string, unknown>)[key] : undefined;
  const text = actual === undefined || actual === null ? 'None' : typeof actual === 'boolean' ? (actual ? 'True' : 'False') : String(actual);
  const expected = ['True', 'true', 'Yes', 'yes', '+'].includes(value) ? 'True' : ['False', 'false', 'No', 'no', '-'].includes(value) ? 'False' : value;
  return operator === 'eq' ? text === expected : text !== expected;
}

/** Whether the imported rule matches `data` in Laurel. */
function laurelMatches(rule: { path: string; op: string; value: string }, data: Record<string, unknown>): boolean {
  const mapped = mapDataRule({ data_path: rule.path, operator: rule.op, value: rule.value }, passing, catalog);
  if (!('rule' in mapped)) throw new Error(mapped.problem);
  return compileRule(mapped.rule, 0, catalog?.get(mapped.rule.path)).check(data) === undefined;
}

const payload = (isPassing: boolean, courseKey = 'course-v1:ExampleU+DS101+2024') => ({
  is_passing: isPassing,
  course: { course_key: courseKey, display_name: '', start: null, end: null },
  user: { id: 31, is_active: true, pii: { username: 'ann', email: 'ann@example.edu', name: 'Ann Lee' } },
});

describe('mapping Open edX data rules', () => {
  const spellings = ['True', 'true', 'Yes', 'yes', '+', 'False', 'false', 'No', 'no', '-'];

  for (const operator of ['eq', 'ne'] as const) {
    it(`${operator} on a boolean field matches exactly what Open edX matches, for every boolean spelling`, () => {
      for (const value of spellings) {
        for (const isPassing of [true, false]) {
          const data = payload(isPassing);
          expect(laurelMatches({ path: 'is_passing', op: operator, value }, data), `is_passing=${isPassing} ${operator} "${value}"`).toBe(
            upstreamMatches(data, 'is_passing', operator, value),
          );
        }
      }
    });
  }

  it('keeps the expected value as text, so eq/ne keep rendering it the Open edX way', () => {
    expect(mapDataRule({ data_path: 'is_passing', operator: 'ne', value: 'no' }, passing, catalog)).toEqual({ rule: { path: 'is_passing', op: 'ne', value: 'no' } });
    expect(mapDataRule({ data_path: 'course.course_key', operator: 'eq', value: 'course-v1:A+B+C' }, passing, catalog)).toEqual({
      rule: { path: 'course.course_key', op: 'eq', value: 'course-v1:A+B+C' },
    });
  });

  it('compares text and numbers as Open edX does, including its quirks', () => {
    const cases: { path: string; op: 'eq' | 'ne'; value: string; data: Record<string, unknown> }[] = [
      { path: 'course.course_key', op: 'eq', value: 'course-v1:ExampleU+DS101+2024', data: payload(true) },
      { path: 'course.course_key', op: 'eq', value: 'course-v1:ExampleU+DS101+2024', data: payload(true, 'course-v1:ExampleU+DS201+2024') },
      { path: 'course.course_key', op: 'ne', value: 'course-v1:ExampleU+DS101+2024', data: payload(true, 'course-v1:ExampleU+DS201+2024') },
      // A boolean spelling is turned into "True" on every field: a course key "yes" never matches "yes".
      { path: 'course.course_key', op: 'eq', value: 'yes', data: payload(true, 'yes') },
      { path: 'user.id', op: 'eq', value: '31', data: payload(true) },
      { path: 'user.id', op: 'ne', value: '31', data: payload(true) },
      // ne on a value that is missing from the event holds ("None" differs from anything else).
      { path: 'course.display_name', op: 'ne', value: 'Data 101', data: { is_passing: true, course: { course_key: 'k' } } },
      { path: 'course.display_name', op: 'eq', value: 'Data 101', data: { is_passing: true, course: { course_key: 'k' } } },
    ];
    for (const { path, op, value, data } of cases) {
      expect(laurelMatches({ path, op, value }, data), `${path} ${op} "${value}"`).toBe(upstreamMatches(data, path, op, value));
    }
    expect(laurelMatches({ path: 'course.course_key', op: 'eq', value: 'yes' }, payload(true, 'yes'))).toBe(false);
    expect(laurelMatches({ path: 'course.display_name', op: 'ne', value: 'Data 101' }, { is_passing: true })).toBe(true);
  });

  it('refuses every operator other than eq and ne, naming it', () => {
    for (const operator of ['lt', 'gt', 'le', 'ge', 'contains', 'in', 'is_', 'matches', 'EQ']) {
      const mapped = mapDataRule({ data_path: 'is_passing', operator, value: 'true' }, passing, catalog);
      expect(mapped, operator).toEqual({ problem: `unsupported operator "${operator}" (only eq and ne exist in Open edX and are imported)` });
    }
  });

  it('takes eq when the operator is left out, as the Django field default does', () => {
    expect(mapDataRule({ data_path: 'is_passing', value: 'true' }, passing, catalog)).toEqual({ rule: { path: 'is_passing', op: 'eq', value: 'true' } });
  });

  it('reads a JSON boolean or number as the text Django would have stored', () => {
    expect(mapDataRule({ data_path: 'is_passing', operator: 'eq', value: true }, passing, catalog)).toEqual({ rule: { path: 'is_passing', op: 'eq', value: 'True' } });
    expect(mapDataRule({ data_path: 'user.id', operator: 'eq', value: 31 }, passing, catalog)).toEqual({ rule: { path: 'user.id', op: 'eq', value: '31' } });
  });

  it('refuses rules Laurel cannot check against the event type, with the reason', () => {
    const notBoolean = mapDataRule({ data_path: 'is_passing', operator: 'eq', value: 'maybe' }, passing, catalog);
    expect(notBoolean).toEqual({ problem: expect.stringMatching(/^is_passing eq "maybe": must be a boolean/) });
    const unknownPath = mapDataRule({ data_path: 'course.grade', operator: 'eq', value: '0.9' }, passing, catalog);
    expect(unknownPath).toEqual({ problem: expect.stringContaining('unknown key path "course.grade"') });
    expect(mapDataRule({ operator: 'eq', value: 'x' }, passing, catalog)).toEqual({ problem: 'no data_path' });
    expect(mapDataRule({ data_path: 'is_passing', operator: 'eq', value: null }, passing, catalog)).toEqual({ problem: 'no expected value' });
  });

  it('accepts any path of an event type Laurel has no schema for', () => {
    expect(mapDataRule({ data_path: 'anything.at.all', operator: 'ne', value: 'x' }, 'org.openedx.learning.unknown.v1', null)).toEqual({ rule: { path: 'anything.at.all', op: 'ne', value: 'x' } });
  });
});
