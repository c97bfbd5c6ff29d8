import { describe, expect, it } from 'vitest';
import { AppError } from '../kernel/errors.js';
import { jsonSchemaEventType } from './json-schema-type.js';
import { openedxTypes } from './openedx/event-types.js';
import { createEventTypeRegistry } from './registry.js';

describe('event type registry', () => {
  const registry = createEventTypeRegistry();

  it('knows the seven Open edX learning types', () => {
    expect(registry.list().map((t) => t.type).sort()).toEqual(Object.values(openedxTypes).sort());
  });

  it('derives key paths and value kinds from the Avro schema', () => {
    const passing = registry.get(openedxTypes.coursePassingStatusUpdated)?.keyPaths;
    expect(passing?.get('is_passing')).toEqual({ path: 'is_passing', kind: 'boolean', nullable: false });
    expect(passing?.get('course.course_key')).toMatchObject({ kind: 'string', nullable: false });
    expect(passing?.get('course.start')).toMatchObject({ kind: 'datetime', nullable: true });
    expect(passing?.get('user.id')).toMatchObject({ kind: 'integer' });
    const ccx = registry.get(openedxTypes.ccxCoursePassingStatusUpdated)?.keyPaths;
    expect([...(ccx?.keys() ?? [])]).toEqual(expect.arrayContaining(['course.ccx_course_key', 'course.master_course_key', 'course.max_students_allowed']));
    expect(ccx?.get('course.max_students_allowed')).toMatchObject({ kind: 'integer', nullable: true });
    const enrollment = registry.get(openedxTypes.courseEnrollmentCreated)?.keyPaths;
    expect(enrollment?.get('created_by')).toMatchObject({ kind: 'object', nullable: true });
    expect(enrollment?.get('created_by.pii.email')).toMatchObject({ kind: 'string', nullable: true });
    expect(registry.get(openedxTypes.persistentGradeSummaryChanged)?.keyPaths?.get('percent_grade')).toMatchObject({ kind: 'number' });
  });

  it('validates Open edX payloads against their schema', () => {
    const badge = registry.get(openedxTypes.badgeAwarded);
    expect(badge?.validateData({ uuid: 'u', user: { id: 'x', is_active: true, pii: { username: 'a', email: 'b', name: '' } }, template: { uuid: 't', origin: 'laurel' } })).toEqual([
      expect.objectContaining({ field: '/data/user/id' }),
    ]);
  });

  it('treats unknown types as generic JSON: any path, any object', () => {
    const generic = registry.resolve('com.example.anything');
    expect(generic.keyPaths).toBeNull();
    expect(generic.validateData({ x: 1 })).toEqual([]);
    expect(generic.validateData([1])).toEqual([{ field: '/data', message: 'must be a JSON object' }]);
  });

  it('registers operator types from a JSON schema, with key paths and payload validation', () => {
    const custom = createEventTypeRegistry([
      jsonSchemaEventType('com.example.quiz.completed.v1', {
        type: 'object',
        required: ['score'],
        properties: { score: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, meta: { type: ['object', 'null'], properties: { at: { type: 'string', format: 'date-time' } } } },
      }),
    ]);
    const quiz = custom.get('com.example.quiz.completed.v1');
    expect([...(quiz?.keyPaths?.values() ?? [])]).toEqual([
      { path: 'score', kind: 'integer', nullable: false },
      { path: 'tags', kind: 'array', nullable: true },
      { path: 'meta', kind: 'object', nullable: true },
      { path: 'meta.at', kind: 'datetime', nullable: true },
    ]);
    expect(quiz?.validateData({ score: 3 })).toEqual([]);
    expect(quiz?.validateData({ score: 'high' })).toEqual([{ field: '/data/score', message: 'must be integer' }]);
    expect(() => custom.register(jsonSchemaEventType('com.example.quiz.completed.v1', { type: 'object', properties: {} }))).toThrow(AppError);
    expect(() => jsonSchemaEventType('bad', { type: 'object', properties: { x: { type: 'nonsense' } } })).toThrow(/not a valid JSON schema/);
  });

  it('checks operator patterns with RE2 and lets types share a schema $id', () => {
    const schema = { $id: 'https://example.org/shared', type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } } };
    const first = jsonSchemaEventType('com.example.one', schema);
    const second = jsonSchemaEventType('com.example.two', schema);
    // A backtracking engine takes exponential time on this input; RE2 answers at once.
    const started = performance.now();
    expect(first.validateData({ code: `${'a'.repeat(40)}!` })).toEqual([{ field: '/data/code', message: 'must match pattern "^(a+)+$"' }]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(second.validateData({ code: 'aaa' })).toEqual([]);
    const lookahead = () => jsonSchemaEventType('com.example.three', { type: 'object', properties: { x: { type: 'string', pattern: '(?=a)' } } }, '', 'body/schema');
    expect(lookahead).toThrow(AppError);
    expect(lookahead).toThrow(expect.objectContaining({ code: 'unprocessable', errors: [{ field: 'body/schema', message: expect.stringContaining('(?=') }] }));
  });
});
