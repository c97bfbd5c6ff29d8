import { describe, expect, it } from 'vitest';
import { AppError } from '../kernel/errors.js';
import { openedxTypes } from '../events/openedx/event-types.js';
import { createEventTypeRegistry } from '../events/registry.js';
import { jsonSchemaEventType } from '../events/json-schema-type.js';
import type { BadgeClassRules, DataRule, Requirement } from './model.js';
import { assertNoErrors, badgeClassRulesErrors, penaltyErrors, requirementErrors } from './validate.js';

const registry = createEventTypeRegistry([
  jsonSchemaEventType('com.example.quiz.completed.v1', {
    type: 'object',
    required: ['score', 'quiz'],
    properties: { score: { type: 'number' }, quiz: { type: 'object', properties: { slug: { type: 'string' } } }, at: { type: 'string', format: 'date-time' } },
  }),
]);
const PASSING = openedxTypes.coursePassingStatusUpdated;
const requirement = (rules: DataRule[], eventType: string = PASSING, extra: Partial<Requirement> = {}): Requirement => ({ id: 'r', eventType, rules, ...extra });
const errorsOf = (rules: DataRule[], eventType: string = PASSING) => requirementErrors(requirement(rules, eventType), registry);

describe('rule validation against the event type schema', () => {
  it('accepts the upstream default rules', () => {
    expect(errorsOf([{ path: 'is_passing', op: 'eq', value: 'true' }, { path: 'course.course_key', op: 'eq', value: 'course-v1:X+Y+Z' }])).toEqual([]);
  });

  it('names an unknown key path', () => {
    expect(errorsOf([{ path: 'is_passing', op: 'eq', value: true }, { path: 'course.id', op: 'eq', value: 'x' }])).toEqual([
      { field: '/rules/1/path', message: expect.stringContaining('unknown key path "course.id"') },
    ]);
  });

  it('refuses a non-boolean value on a boolean field (upstream "Value must be a boolean.")', () => {
    expect(errorsOf([{ path: 'is_passing', op: 'eq', value: 'invalid' }])).toEqual([
      { field: '/rules/0/value', message: 'must be a boolean (true/false, yes/no, +/-)' },
    ]);
  });

  it('takes "None" for eq/ne on nullable fields only, as Python renders null there', () => {
    const ccx = openedxTypes.ccxCoursePassingStatusUpdated;
    expect(errorsOf([{ path: 'course.max_students_allowed', op: 'eq', value: 'None' }], ccx)).toEqual([]);
    expect(errorsOf([{ path: 'created_by', op: 'ne', value: 'None' }], openedxTypes.courseEnrollmentCreated)).toEqual([]);
    expect(errorsOf([{ path: 'user.id', op: 'eq', value: 'None' }], ccx)).toEqual([{ field: '/rules/0/value', message: 'must be a number' }]);
  });

  it('refuses operators that cannot apply to the field', () => {
    expect(errorsOf([{ path: 'course.course_key', op: 'gt', value: 3 }])[0]).toMatchObject({ field: '/rules/0/op' });
    expect(errorsOf([{ path: 'is_passing', op: 'matches', value: 'T.*' }])[0]).toMatchObject({ field: '/rules/0/op' });
    expect(errorsOf([{ path: 'course', op: 'eq', value: 'x' }])[0]).toMatchObject({ field: '/rules/0/value', message: expect.stringContaining('exists') });
    expect(errorsOf([{ path: 'is_passing', op: 'between' as DataRule['op'], value: 1 }])[0]).toMatchObject({ field: '/rules/0/op' });
  });

  it('checks value types per operator', () => {
    const grade = openedxTypes.persistentGradeSummaryChanged;
    expect(errorsOf([{ path: 'percent_grade', op: 'gte', value: '0.9' }], grade)).toEqual([{ field: '/rules/0/value', message: 'must be a number' }]);
    expect(errorsOf([{ path: 'passed_timestamp', op: 'lt', value: 'tomorrow' }], grade)).toEqual([{ field: '/rules/0/value', message: 'must be an ISO 8601 date' }]);
    expect(errorsOf([{ path: 'user_id', op: 'in', value: [1, 'two'] }], grade)).toEqual([{ field: '/rules/0/value/1', message: 'must be a number' }]);
    expect(errorsOf([{ path: 'user_id', op: 'in', value: [] }], grade)[0]).toMatchObject({ field: '/rules/0/value' });
    expect(errorsOf([{ path: 'letter_grade', op: 'exists', value: 'A' }], grade)).toEqual([{ field: '/rules/0/value', message: 'must be omitted for exists' }]);
  });

  it('refuses a bad or unsafe regular expression', () => {
    expect(errorsOf([{ path: 'course.course_key', op: 'matches', value: '(unclosed' }])[0]).toMatchObject({
      field: '/rules/0/value',
      message: expect.stringContaining('invalid regular expression'),
    });
    expect(errorsOf([{ path: 'course.course_key', op: 'matches', value: '(?=lookahead)' }])[0]?.field).toBe('/rules/0/value');
    expect(errorsOf([{ path: 'course.course_key', op: 'matches', value: 'a'.repeat(1001) }])[0]?.field).toBe('/rules/0/value');
  });

  it('uses key paths from an operator-registered JSON schema, and accepts any path on unknown types', () => {
    const quiz = 'com.example.quiz.completed.v1';
    expect(errorsOf([{ path: 'score', op: 'gte', value: 80 }, { path: 'quiz.slug', op: 'matches', value: '^final' }, { path: 'at', op: 'gte', value: '2025-01-01' }], quiz)).toEqual([]);
    expect(errorsOf([{ path: 'quiz.title', op: 'eq', value: 'x' }], quiz)[0]?.field).toBe('/rules/0/path');
    expect(errorsOf([{ path: 'anything.at.all', op: 'gte', value: 3 }], 'com.example.unknown')).toEqual([]);
    expect(errorsOf([{ path: 'anything', op: 'gte', value: 'soon' }], 'com.example.unknown')[0]?.field).toBe('/rules/0/value');
  });

  it('checks count, window, group and penalties', () => {
    const errors = requirementErrors(
      requirement([], PASSING, { count: { n: 0, distinctBy: 'course.nope' }, window: { from: '2025-02-01T00:00:00Z', until: '2025-01-01T00:00:00Z' }, group: '' }),
      registry,
    );
    expect(errors.map((e) => e.field).sort()).toEqual(['/count/distinctBy', '/count/n', '/group', '/window/until']);
    expect(penaltyErrors({ id: 'p', eventType: PASSING, rules: [], requirementIds: ['r', 'ghost'] }, registry, new Set(['r']))).toEqual([
      { field: '/requirementIds/1', message: 'ghost is not a requirement of this badge class' },
    ]);
  });

  it('refuses badge dependencies of a badge class on its own award, but not a penalty on its own revocation', () => {
    const own = (eventType: string, value: DataRule['value'], op: DataRule['op'] = 'eq'): DataRule[] => [{ path: 'template.uuid', op, value }];
    const rules: BadgeClassRules = {
      badgeClassId: 'bc_self',
      requirements: [
        requirement(own(openedxTypes.badgeAwarded, 'bc_other'), openedxTypes.badgeAwarded, { id: 'other' }),
        requirement(own(openedxTypes.badgeAwarded, 'bc_self'), openedxTypes.badgeAwarded, { id: 'self' }),
        requirement(own(openedxTypes.badgeRevoked, ['bc_x', 'bc_self'], 'in'), openedxTypes.badgeRevoked, { id: 'self-revoked' }),
      ],
      penalties: [
        { id: 'lost-self', eventType: openedxTypes.badgeRevoked, rules: own(openedxTypes.badgeRevoked, 'bc_self'), requirementIds: ['other'] },
        { id: 'on-award', eventType: openedxTypes.badgeAwarded, rules: own(openedxTypes.badgeAwarded, 'bc_self'), requirementIds: ['other'] },
      ],
      reawardAfterRevoke: false,
    };
    expect(badgeClassRulesErrors(rules, registry, { active: true })).toEqual([
      { field: '/requirements/1/rules', message: 'a badge class cannot require its own award or revocation' },
      { field: '/requirements/2/rules', message: 'a badge class cannot require its own award or revocation' },
      { field: '/penalties/1/rules', message: 'a badge class cannot be penalised for its own award' },
    ]);
  });

  it('refuses to activate a badge class without requirements and throws a structured validation error', () => {
    const rules: BadgeClassRules = { badgeClassId: 'bc', requirements: [], penalties: [], reawardAfterRevoke: false };
    const errors = badgeClassRulesErrors(rules, registry, { active: true });
    expect(errors).toEqual([{ field: '/requirements', message: 'an active badge class needs at least one requirement' }]);
    try {
      assertNoErrors(errors, 'badge class rules');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'validation_failed', errors });
    }
    const nested = badgeClassRulesErrors(
      { ...rules, requirements: [requirement([{ path: 'is_passing', op: 'eq', value: true }]), requirement([{ path: 'nope', op: 'eq', value: 1 }])] },
      registry,
      { active: true },
    );
    expect(nested.map((e) => e.field)).toEqual(['/requirements/1/id', '/requirements/1/rules/0/path']);
  });
});
