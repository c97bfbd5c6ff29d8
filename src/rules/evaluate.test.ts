import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../events/event.js';
import { openedxTypes } from '../events/openedx/event-types.js';
import { createEventTypeRegistry } from '../events/registry.js';
import { badgeDependency, badgeDependencyPenalty, evaluateWithDependencies, laurelBadgeOrigin } from './badge-dependency.js';
import { compileRuleIndex } from './compile.js';
import { applyChanges, evaluateEvent, skippedWhollyByIndex, type EvaluateOptions, type EvaluationResult } from './evaluate.js';
import type { BadgeClassRules, LearnerStates, Penalty, Requirement } from './model.js';
import { progressOf } from './progress.js';

const registry = createEventTypeRegistry();
const PASSING = openedxTypes.coursePassingStatusUpdated;
const GRADE = openedxTypes.persistentGradeSummaryChanged;

let sequence = 0;
function passing(courseKey: string, isPassing: boolean, time = '2025-03-01T10:00:00+00:00'): NormalizedEvent {
  sequence += 1;
  return {
    id: `evt-${sequence}`,
    type: PASSING,
    time,
    source: 'openedx/lms/web',
    user: { id: '3', email: 'edx@example.com', username: 'edx' },
    data: {
      is_passing: isPassing,
      course: { course_key: courseKey, display_name: '', start: null, end: null },
      user: { id: 3, is_active: true, pii: { username: 'edx', email: 'edx@example.com', name: '' } },
    },
  };
}

const course = (n: string) => `course-v1:OpenedX+C${n}+2025`;

/** Requirement "passed course n" (is_passing = true, course key = n), the upstream typical shape. */
function passed(id: string, n: string, group?: string, extra: Partial<Requirement> = {}): Requirement {
  return {
    id,
    eventType: PASSING,
    ...(group === undefined ? {} : { group }),
    rules: [
      { path: 'is_passing', op: 'eq', value: 'true' },
      { path: 'course.course_key', op: 'eq', value: course(n) },
    ],
    ...extra,
  };
}

function failedPenalty(id: string, n: string, requirementIds: string[]): Penalty {
  return {
    id,
    eventType: PASSING,
    rules: [
      { path: 'is_passing', op: 'eq', value: 'false' },
      { path: 'course.course_key', op: 'eq', value: course(n) },
    ],
    requirementIds,
  };
}

function badge(requirements: Requirement[], penalties: Penalty[] = [], reawardAfterRevoke = false, id = 'bc_t'): BadgeClassRules {
  return { badgeClassId: id, requirements, penalties, reawardAfterRevoke };
}

/** Feeds events in order, returning every result and the final states. */
function feed(rules: BadgeClassRules[], events: NormalizedEvent[], states: LearnerStates = {}, options: EvaluateOptions = {}) {
  const index = compileRuleIndex(rules, registry);
  const results: EvaluationResult[] = [];
  let current = states;
  for (const event of events) {
    const result = evaluateEvent(index, current, event, options);
    results.push(result);
    current = applyChanges(current, result.changed);
  }
  const transitions = results.flatMap((result, i) => result.transitions.map((t) => `${i}:${t.kind}:${t.badgeClassId}`));
  return { results, states: current, transitions, last: results.at(-1) };
}

describe('Open edX behaviours (reference §7)', () => {
  it('completes a single ungrouped requirement whose rules match, and awards it', () => {
    const rules = badge([passed('r1', '1')]);
    const run = feed([rules], [passing(course('1'), true)]);
    expect(run.states.bc_t?.fulfilled).toEqual(['r1']);
    expect(progressOf(rules, run.states.bc_t).complete).toBe(true);
    expect(run.transitions).toEqual(['0:award:bc_t']);
  });

  it('matches when all rules match a nested payload and fails when one value differs', () => {
    const rules = badge([
      {
        id: 'r1',
        eventType: PASSING,
        rules: [
          { path: 'user.pii.username', op: 'eq', value: 'edx' },
          { path: 'user.pii.email', op: 'eq', value: 'edx@example.com' },
        ],
      },
    ]);
    expect(feed([rules], [passing(course('1'), true)]).transitions).toEqual(['0:award:bc_t']);
    const other = badge([{ id: 'r1', eventType: PASSING, rules: [{ path: 'user.pii.email', op: 'eq', value: 'someone@example.com' }] }]);
    const run = feed([other], [passing(course('1'), true)], {}, { explain: 'all' });
    expect(run.transitions).toEqual([]);
    expect(run.last?.explanation.badgeClasses[0]?.requirements[0]).toMatchObject({
      outcome: 'failed',
      failedRule: { path: 'user.pii.email', actual: 'edx@example.com', reason: '"edx@example.com" is not "someone@example.com"' },
    });
  });

  it('A|B: only A matches → complete', () => {
    const run = feed([badge([passed('a', '1', 'g'), passed('b', '2', 'g')])], [passing(course('1'), true)]);
    expect(run.states.bc_t?.fulfilled).toEqual(['a']);
    expect(run.transitions).toEqual(['0:award:bc_t']);
  });

  it('A|B|C: only A matches → complete; a single-member group completes too', () => {
    expect(feed([badge([passed('a', '1', 'g'), passed('b', '2', 'g'), passed('c', '3', 'g')])], [passing(course('1'), true)]).transitions).toEqual([
      '0:award:bc_t',
    ]);
    expect(feed([badge([passed('a', '1', 'solo')])], [passing(course('1'), true)]).transitions).toEqual(['0:award:bc_t']);
  });

  it('(A|B)&C: C alone is not complete; B then completes it', () => {
    const rules = badge([passed('a', '1', 'ab'), passed('b', '2', 'ab'), passed('c', '3')]);
    const run = feed([rules], [passing(course('3'), true), passing(course('2'), true)]);
    expect(run.results[0]?.explanation.badgeClasses[0]?.after).toMatchObject({ fulfilledGroups: 1, groups: 2, complete: false });
    expect(run.transitions).toEqual(['1:award:bc_t']);
  });

  it('(A|B)&(C|D): A alone is not complete; C completes it', () => {
    const rules = badge([passed('a', '1', 'ab'), passed('b', '2', 'ab'), passed('c', '3', 'cd'), passed('d', '4', 'cd')]);
    const run = feed([rules], [passing(course('1'), true), passing(course('3'), true)]);
    expect(run.transitions).toEqual(['1:award:bc_t']);
  });

  it('progress steps 0.25 → 0.5 → 0.75 → 1 over four groups; no requirements is 0 and never complete', () => {
    const rules = badge([passed('a', '1', 'A'), passed('b', '2', 'B'), passed('g1a', '3', 'g1'), passed('g1b', '4', 'g1'), passed('g2a', '5', 'g2'), passed('g2b', '6', 'g2')]);
    const run = feed([rules], ['1', '2', '4', '5'].map((n) => passing(course(n), true)));
    expect(run.results.map((r) => r.explanation.badgeClasses[0]?.after.ratio)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(progressOf(badge([]), undefined)).toEqual({ fulfilledGroups: 0, groups: 0, ratio: 0, complete: false });
  });

  it('a penalty whose rule matches resets both linked fulfilled requirements', () => {
    const penalty: Penalty = { id: 'p', eventType: PASSING, rules: [{ path: 'is_passing', op: 'eq', value: 'false' }], requirementIds: ['a', 'b'] };
    const rules = badge([passed('a', '1'), passed('b', '2')], [penalty]);
    const run = feed([rules], [passing(course('1'), true), passing(course('2'), true), passing(course('9'), false)]);
    expect(run.states.bc_t?.fulfilled).toEqual([]);
    expect(run.last?.explanation.badgeClasses[0]?.penalties[0]).toEqual({ penaltyId: 'p', matched: true, reset: ['a', 'b'] });
  });

  it('a penalty with one matching and one non-matching rule does nothing', () => {
    const rules = badge([passed('a', '1'), passed('b', '2')], [failedPenalty('p', '7', ['a', 'b'])]);
    const run = feed([rules], [passing(course('1'), true), passing(course('2'), true), passing(course('1'), false)]);
    expect(run.states.bc_t?.fulfilled).toEqual(['a', 'b']);
    expect(run.transitions).toEqual(['1:award:bc_t']);
  });

  it('a penalty linked to a grouped and an ungrouped requirement resets both', () => {
    const penalty: Penalty = { id: 'p', eventType: PASSING, rules: [{ path: 'is_passing', op: 'eq', value: 'no' }], requirementIds: ['a', 'c'] };
    const rules = badge([passed('a', '1', 'ab'), passed('c', '3')], [penalty]);
    const run = feed([rules], [passing(course('1'), true), passing(course('3'), true), passing(course('5'), false)]);
    expect(run.states.bc_t?.fulfilled).toEqual([]);
  });

  it('is_passing=false leaves progress incomplete: the penalty matches, nothing to reset, nothing revoked', () => {
    const rules = badge([passed('a', '1')], [failedPenalty('p', '1', ['a'])]);
    const run = feed([rules], [passing(course('1'), false)]);
    expect(run.last?.explanation.badgeClasses[0]).toMatchObject({ transition: 'none', penalties: [{ matched: true, reset: [] }] });
    expect(run.states.bc_t).toBeUndefined();
  });

  it('keeps upstream quirks for imported rules: ne on a missing path matches, "yes" means True', () => {
    const rules = badge([
      {
        id: 'r',
        eventType: PASSING,
        rules: [
          { path: 'course.no_such_field', op: 'ne', value: 'x' },
          { path: 'course.display_name', op: 'ne', value: 'yes' },
        ],
      },
    ]);
    expect(feed([rules], [passing(course('1'), true)]).transitions).toEqual(['0:award:bc_t']);
  });
});

describe('what upstream gets wrong', () => {
  it('awards only when progress becomes complete, not on a partial match', () => {
    const rules = badge([passed('a', '1'), passed('b', '2')]);
    const run = feed([rules], [passing(course('1'), true), passing(course('1'), true), passing(course('2'), true)]);
    expect(run.transitions).toEqual(['2:award:bc_t']);
    expect(run.results[0]?.explanation.badgeClasses[0]?.reason).toBe('not complete yet');
  });

  it('awards once: repeated and further matching events change nothing', () => {
    const rules = badge([passed('a', '1', 'g'), passed('b', '2', 'g')]);
    const run = feed([rules], [passing(course('1'), true), passing(course('1'), true), passing(course('2'), true)]);
    expect(run.transitions).toEqual(['0:award:bc_t']);
    expect(run.results[1]?.changed).toEqual([]);
    expect(run.results[1]?.explanation.badgeClasses[0]?.requirements[0]?.outcome).toBe('already_fulfilled');
  });

  it('a requirement without rules matches every event of its type', () => {
    const rules = badge([{ id: 'any', eventType: PASSING, rules: [] }]);
    expect(feed([rules], [passing(course('1'), false)]).transitions).toEqual(['0:award:bc_t']);
  });

  it('a penalty on one member of a fulfilled OR-group does not revoke while the group still holds', () => {
    const rules = badge([passed('a', '1', 'ab'), passed('b', '2', 'ab')], [failedPenalty('p', '1', ['a'])]);
    const run = feed([rules], [passing(course('1'), true), passing(course('2'), true), passing(course('1'), false)]);
    expect(run.transitions).toEqual(['0:award:bc_t']);
    expect(run.states.bc_t).toMatchObject({ fulfilled: ['b'], status: 'awarded' });
  });

  it('revokes exactly when a penalty makes an awarded, complete badge incomplete — once', () => {
    const rules = badge([passed('a', '1')], [failedPenalty('p', '1', ['a'])]);
    const run = feed([rules], [passing(course('1'), true), passing(course('1'), false), passing(course('1'), false)]);
    expect(run.transitions).toEqual(['0:award:bc_t', '1:revoke:bc_t']);
    expect(run.states.bc_t?.status).toBe('revoked');
  });

  it('never revokes a badge that was not awarded', () => {
    const rules = badge([passed('a', '1'), passed('b', '2')], [failedPenalty('p', '1', ['a'])]);
    const run = feed([rules], [passing(course('1'), true), passing(course('1'), false)]);
    expect(run.transitions).toEqual([]);
    expect(run.states.bc_t?.status).toBe('none');
  });

  it('does not award a revoked badge again unless the badge class allows it', () => {
    const events = () => [passing(course('1'), true), passing(course('1'), false), passing(course('1'), true)];
    const strict = feed([badge([passed('a', '1')], [failedPenalty('p', '1', ['a'])], false)], events());
    expect(strict.transitions).toEqual(['0:award:bc_t', '1:revoke:bc_t']);
    expect(strict.last?.explanation.badgeClasses[0]?.reason).toMatch(/does not award a revoked badge again/);
    const lenient = feed([badge([passed('a', '1')], [failedPenalty('p', '1', ['a'])], true)], events());
    expect(lenient.transitions).toEqual(['0:award:bc_t', '1:revoke:bc_t', '2:award:bc_t']);
  });

  it('applies requirements before penalties: an event that fulfils and penalises leaves the badge incomplete', () => {
    const penalty: Penalty = { id: 'p', eventType: PASSING, rules: [{ path: 'course.course_key', op: 'eq', value: course('1') }], requirementIds: ['a'] };
    const run = feed([badge([passed('a', '1')], [penalty])], [passing(course('1'), true)]);
    expect(run.transitions).toEqual([]);
  });
});

describe('beyond upstream: count, window, typed operators, meta-badges', () => {
  it('count: five different courses passed, duplicates do not count', () => {
    const rules = badge([
      {
        id: 'five',
        eventType: PASSING,
        rules: [{ path: 'is_passing', op: 'eq', value: true }],
        count: { n: 5, distinctBy: 'course.course_key' },
      },
    ]);
    const events = ['1', '2', '2', '3', '4', '4', '5'].map((n) => passing(course(n), true));
    const run = feed([rules], events);
    expect(run.transitions).toEqual(['6:award:bc_t']);
    expect(run.results[2]?.explanation.badgeClasses[0]?.requirements[0]).toMatchObject({
      outcome: 'counted',
      count: { key: course('2'), duplicate: true, seen: 2, needed: 5 },
    });
    expect(run.results[3]?.changed[0]?.counted.five).toEqual([course('1'), course('2'), course('3')]);
    expect(run.states.bc_t?.counted).toEqual({});
  });

  it('window: only events inside [from, until) count', () => {
    const rules = badge([passed('a', '1', undefined, { window: { from: '2025-01-01T00:00:00Z', until: '2025-02-01T00:00:00Z' } })]);
    const run = feed([rules], [passing(course('1'), true, '2024-12-31T23:59:59+00:00'), passing(course('1'), true, '2025-02-01T00:00:00+00:00')]);
    expect(run.transitions).toEqual([]);
    expect(run.last?.explanation.badgeClasses[0]?.requirements[0]?.outcome).toBe('outside_window');
    expect(feed([rules], [passing(course('1'), true, '2025-01-15T12:00:00+00:00')]).transitions).toEqual(['0:award:bc_t']);
  });

  it('typed operators on the persistent grade summary: numbers, dates, lists, patterns, presence', () => {
    const grade = (percent: number, passedAt: string, key: string): NormalizedEvent => ({
      id: `g-${percent}-${key}`,
      type: GRADE,
      time: '2025-03-01T10:00:00+00:00',
      source: 'openedx/lms/web',
      user: { id: '3' },
      data: {
        user_id: 3,
        course: { course_key: key, display_name: 'Demo', start: null, end: null },
        course_edited_timestamp: '2025-01-01T00:00:00+00:00',
        course_version: 'v1',
        grading_policy_hash: 'h',
        percent_grade: percent,
        letter_grade: 'A',
        passed_timestamp: passedAt,
      },
    });
    const rules = badge([
      {
        id: 'honours',
        eventType: GRADE,
        rules: [
          { path: 'percent_grade', op: 'gte', value: 0.9 },
          { path: 'passed_timestamp', op: 'lt', value: '2025-06-30T00:00:00Z' },
          { path: 'course.course_key', op: 'in', value: [course('1'), course('2')] },
          { path: 'course.course_key', op: 'matches', value: '^course-v1:OpenedX\\+' },
          { path: 'letter_grade', op: 'not_in', value: ['F'] },
          { path: 'course.display_name', op: 'contains', value: 'Dem' },
          { path: 'course.start', op: 'not_exists' },
          { path: 'course.display_name', op: 'exists' },
        ],
      },
    ]);
    const low = feed([rules], [grade(0.89, '2025-03-01T00:00:00+00:00', course('1'))]);
    expect(low.last?.explanation.badgeClasses[0]?.requirements[0]?.failedRule).toMatchObject({ index: 0, reason: '0.89 is not gte 0.9' });
    const late = feed([rules], [grade(0.95, '2025-07-01T00:00:00+00:00', course('1'))]);
    expect(late.last?.explanation.badgeClasses[0]?.requirements[0]?.failedRule).toMatchObject({ index: 1, path: 'passed_timestamp' });
    const otherCourse = feed([rules], [grade(0.95, '2025-03-01T00:00:00+00:00', course('3'))]);
    expect(otherCourse.last?.explanation.badgeClasses[0]?.requirements[0]?.failedRule).toMatchObject({ index: 2 });
    expect(feed([rules], [grade(0.95, '2025-03-01T00:00:00+00:00', course('2'))]).transitions).toEqual(['0:award:bc_t']);
  });

  it('meta-badge: earning A and B awards C in the same evaluation; revoking A revokes C', () => {
    const a = badge([passed('a', '1')], [failedPenalty('pa', '1', ['a'])], false, 'bc_a');
    const b = badge([passed('b', '2')], [], false, 'bc_b');
    const c = badge(
      [badgeDependency('needs-a', 'bc_a'), badgeDependency('needs-b', 'bc_b')],
      [badgeDependencyPenalty('lost-a', 'bc_a', ['needs-a'])],
      false,
      'bc_c',
    );
    const index = compileRuleIndex([a, b, c], registry);
    const eventFor = (transition: { badgeClassId: string; kind: 'award' | 'revoke' }, cause: NormalizedEvent): NormalizedEvent => ({
      id: `${cause.id}/${transition.badgeClassId}/${transition.kind}`,
      type: transition.kind === 'award' ? openedxTypes.badgeAwarded : openedxTypes.badgeRevoked,
      time: cause.time,
      source: 'laurel',
      user: cause.user,
      data: {
        uuid: `awd-${transition.badgeClassId}`,
        user: { id: 3, is_active: true, pii: { username: 'edx', email: 'edx@example.com', name: '' } },
        template: { uuid: transition.badgeClassId, origin: laurelBadgeOrigin, name: null, description: null, image_url: null },
      },
    });
    let states: LearnerStates = {};
    const kinds = (steps: EvaluationResult[]) => steps.flatMap((step) => step.transitions.map((t) => `${t.kind}:${t.badgeClassId}`));
    const first = evaluateWithDependencies(index, states, passing(course('1'), true), eventFor);
    expect(kinds(first.steps)).toEqual(['award:bc_a']);
    states = first.states;
    const second = evaluateWithDependencies(index, states, passing(course('2'), true), eventFor);
    expect(kinds(second.steps)).toEqual(['award:bc_b', 'award:bc_c']);
    states = second.states;
    const third = evaluateWithDependencies(index, states, passing(course('1'), false), eventFor);
    expect(kinds(third.steps)).toEqual(['revoke:bc_a', 'revoke:bc_c']);
  });

  it('tells from the event alone when the index rules out every requirement and penalty, and how many', () => {
    const rules = Array.from({ length: 10 }, (_, i) => badge([passed(`r${i}`, String(i))], [], false, `bc_${i}`));
    const index = compileRuleIndex(rules, registry);
    const elsewhere = passing(course('elsewhere'), true);
    expect(skippedWhollyByIndex(index, elsewhere)).toBe(10);
    // The same explanation the evaluation gives, whatever the learner's states.
    const awarded = feed(rules, [passing(course('4'), true)]).states;
    expect(evaluateEvent(index, awarded, elsewhere)).toEqual({ changed: [], transitions: [], explanation: { eventId: elsewhere.id, eventType: PASSING, skippedByIndex: 10, badgeClasses: [] } });
    expect(skippedWhollyByIndex(index, passing(course('4'), false))).toBeUndefined();
    expect(skippedWhollyByIndex(index, { ...elsewhere, type: GRADE })).toBe(0);
  });

  it('evaluates only the requirements the index cannot rule out, and explains the rest as skipped', () => {
    const rules = Array.from({ length: 10 }, (_, i) => badge([passed(`r${i}`, String(i))], [], false, `bc_${i}`));
    const run = feed(rules, [passing(course('4'), true)]);
    expect(run.last?.explanation.skippedByIndex).toBe(9);
    expect(run.last?.explanation.badgeClasses.map((b) => b.badgeClassId)).toEqual(['bc_4']);
    expect(run.transitions).toEqual(['0:award:bc_4']);
    const full = feed(rules, [passing(course('4'), true)], {}, { explain: 'all' });
    expect(full.last?.explanation.badgeClasses).toHaveLength(10);
    expect(full.last?.explanation.badgeClasses[0]?.requirements[0]?.failedRule).toMatchObject({ path: 'course.course_key', actual: course('4') });
    expect(full.last?.changed).toEqual(run.last?.changed);
  });

  it('gives the same states and transitions with and without the index over a random stream', () => {
    const rules = Array.from({ length: 20 }, (_, i) =>
      badge(
        [passed(`a${i}`, String(i % 7), 'g'), passed(`b${i}`, String((i + 3) % 7), 'g'), passed(`c${i}`, String((i + 5) % 7))],
        [failedPenalty(`p${i}`, String(i % 7), [`a${i}`, `c${i}`])],
        i % 2 === 0,
        `bc_${i}`,
      ),
    );
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const events = Array.from({ length: 300 }, () => passing(course(String(Math.floor(random() * 8))), random() < 0.7));
    const fast = feed(rules, events);
    const full = feed(rules, events, {}, { explain: 'all' });
    expect(fast.transitions.length).toBeGreaterThan(20);
    expect(fast.transitions).toEqual(full.transitions);
    expect(fast.states).toEqual(full.states);
  });

  it('leaves states untouched for event types no rule uses', () => {
    const states: LearnerStates = { bc_t: { badgeClassId: 'bc_t', fulfilled: ['a'], counted: {}, status: 'awarded' } };
    const result = evaluateEvent(compileRuleIndex([badge([passed('a', '1')])], registry), states, { ...passing(course('1'), true), type: 'com.example.other' });
    expect(result.changed).toEqual([]);
    expect(applyChanges(states, result.changed)).toBe(states);
    expect(result.explanation.badgeClasses).toEqual([]);
  });
});
