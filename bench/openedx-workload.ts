/**
 * The Open edX workload the rules and event bus benchmarks share: 100 badge classes with 3
 * requirements each ((A|B)&C) and one penalty, all on the course passing status event, over the
 * course keys of 150 badge-bearing courses; and passing status payloads of 10,000 learners.
 */
import { openedxTypes } from '../src/events/openedx/event-types.js';
import type { DataRule, Penalty, Requirement } from '../src/rules/index.js';

export const badgeClassCount = 100;
export const learnerCount = 10_000;
/** Courses that badge requirements and penalties name. */
export const badgeCourses = 150;

export const courseKey = (n: number) => `course-v1:Bench+C${n}+2025`;

const passingIn = (isPassing: boolean, course: number): DataRule[] => [
  { path: 'is_passing', op: 'eq', value: isPassing ? 'true' : 'false' },
  { path: 'course.course_key', op: 'eq', value: courseKey(course % badgeCourses) },
];

export interface BenchBadgeRules {
  reawardAfterRevoke: boolean;
  requirements: Omit<Requirement, 'id'>[];
  /** Resets the third requirement (index 2). */
  penalty: Omit<Penalty, 'id' | 'requirementIds'>;
}

/** Badge class `b`: the first two requirements are alternatives (group "ab"), the third is needed too. */
export function benchBadgeRules(b: number): BenchBadgeRules {
  return {
    reawardAfterRevoke: b % 2 === 0,
    requirements: [0, 1, 2].map((r) => ({
      eventType: openedxTypes.coursePassingStatusUpdated,
      ...(r < 2 ? { group: 'ab' } : {}),
      rules: passingIn(true, b + r * 37),
    })),
    penalty: { eventType: openedxTypes.coursePassingStatusUpdated, rules: passingIn(false, b + 74) },
  };
}

/** openedx-events `CoursePassingStatusData` of learner `user` in course `course`. */
export function passingStatus(user: number, course: number, isPassing: boolean) {
  return {
    is_passing: isPassing,
    course: { course_key: courseKey(course), display_name: `Course ${course}`, start: null, end: null },
    user: { id: user, is_active: true, pii: { username: `u${user}`, email: `u${user}@example.com`, name: `User ${user}` } },
  };
}
