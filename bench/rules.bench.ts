// Rule evaluation alone (no I/O): 100 active badge classes × 3 requirements on the Open edX course
// passing event, 10,000 learners, events cycling through 150 courses. Prints events/s per core.
import type { NormalizedEvent } from '../src/events/event.js';
import { openedxTypes } from '../src/events/openedx/event-types.js';
import { createEventTypeRegistry } from '../src/events/registry.js';
import { compileRuleIndex } from '../src/rules/compile.js';
import { evaluateEvent, type EvaluateOptions } from '../src/rules/evaluate.js';
import type { BadgeClassRules, LearnerBadgeState } from '../src/rules/model.js';
import { badgeClassCount, badgeCourses, benchBadgeRules, learnerCount, passingStatus } from './openedx-workload.js';
import { perSecond, printResult } from './support.js';

const events = 400_000;

const ruleSets: BadgeClassRules[] = Array.from({ length: badgeClassCount }, (_, b) => {
  const { reawardAfterRevoke, requirements, penalty } = benchBadgeRules(b);
  return {
    badgeClassId: `bc_${b}`,
    reawardAfterRevoke,
    requirements: requirements.map((requirement, r) => ({ id: `bc_${b}_r${r}`, ...requirement })),
    penalties: [{ id: `bc_${b}_p`, ...penalty, requirementIds: [`bc_${b}_r2`] }],
  };
});

const index = compileRuleIndex(ruleSets, createEventTypeRegistry());
// Each learner sees about ten events per pass over the stream, so badges are earned and revoked.
const stream: NormalizedEvent[] = Array.from({ length: 100_000 }, (_, i) => {
  const user = (i * 7919) % learnerCount;
  return {
    id: `e${i}`,
    type: openedxTypes.coursePassingStatusUpdated,
    time: '2025-03-01T10:00:00+00:00',
    source: 'openedx/lms/web',
    user: { id: String(user), email: `u${user}@example.com` },
    data: passingStatus(user, (Math.floor(i / 7) * 13 + (i % 7) * 17) % badgeCourses, i % 10 !== 0),
  };
});

/** Wall and CPU time: on a shared, busy machine CPU time is the fairer "per core" figure. */
function run(options: EvaluateOptions, count: number): { ms: number; cpuMs: number; transitions: number } {
  // The states a store would hold: per learner, written back from `changed` after each event.
  const states = new Map<string, Record<string, LearnerBadgeState>>();
  let transitions = 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const event = stream[i % stream.length] as NormalizedEvent;
    let learner = states.get(event.user.id);
    if (!learner) states.set(event.user.id, (learner = {}));
    const result = evaluateEvent(index, learner, event, options);
    for (const state of result.changed) learner[state.badgeClassId] = state;
    transitions += result.transitions.length;
  }
  const cpu = process.cpuUsage(cpuStarted);
  return { ms: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, transitions };
}

run({}, 50_000);
const fast = run({}, events);
run({ explain: 'all' }, 5_000);
const full = run({ explain: 'all' }, events / 10);
printResult({
  badgeClasses: badgeClassCount,
  requirements: 300,
  events,
  eventsPerSecond: perSecond(events, fast.ms),
  eventsPerCpuSecond: perSecond(events, fast.cpuMs),
  transitions: fast.transitions,
  explainAllEventsPerSecond: perSecond(events / 10, full.ms),
});
