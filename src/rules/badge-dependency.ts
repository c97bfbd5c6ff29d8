import type { NormalizedEvent } from '../events/event.js';
import { openedxTypes } from '../events/openedx/event-types.js';
import type { FieldError } from '../kernel/errors.js';
import type { RuleIndex } from './compile.js';
import { applyChanges, evaluateEvent, type EvaluationResult } from './evaluate.js';
import type { Transition } from './explanation.js';
import type { DataRule, LearnerStates, Penalty, Requirement } from './model.js';

/**
 * Meta-badges and pathways ("earn A and B to get C"): requirements on Laurel's own badge lifecycle
 * events, which carry openedx-events `BadgeData` with the badge class id as `template.uuid`.
 */
export const laurelBadgeOrigin = 'laurel';

/**
 * How many badge events may follow one another from a learning event (C awarded because B was,
 * because A was, …). Badge classes that depend on each other in a cycle would otherwise award and
 * revoke one another for ever; a chain this long stops there.
 */
export const maxBadgeChainDepth = 8;

/** Whether one of the rules picks badge class `badgeClassId` by its `template.uuid`. */
function namesBadgeClass(rules: readonly DataRule[], badgeClassId: string): boolean {
  return rules.some(
    (rule) =>
      rule.path === 'template.uuid' &&
      ((rule.op === 'eq' && rule.value === badgeClassId) || (rule.op === 'in' && Array.isArray(rule.value) && rule.value.includes(badgeClassId))),
  );
}

/**
 * A badge class cannot be earned through its own award or revocation, nor lose its requirements
 * because it was awarded: those rules could only feed on themselves. (A penalty on its own
 * revocation is fine: it lets the rules award again after a revocation by hand.)
 */
export function selfDependencyErrors(badgeClassId: string, entry: Requirement | Penalty, kind: 'requirement' | 'penalty', pointer = ''): FieldError[] {
  const own = kind === 'requirement' ? [openedxTypes.badgeAwarded, openedxTypes.badgeRevoked] : [openedxTypes.badgeAwarded];
  if (!(own as string[]).includes(entry.eventType) || !Array.isArray(entry.rules) || !namesBadgeClass(entry.rules, badgeClassId)) return [];
  const message = kind === 'requirement' ? 'a badge class cannot require its own award or revocation' : 'a badge class cannot be penalised for its own award';
  return [{ field: `${pointer}/rules`, message }];
}

/** A requirement fulfilled when the learner is awarded badge class `badgeClassId`. */
export function badgeDependency(id: string, badgeClassId: string, group?: string): Requirement {
  return {
    id,
    eventType: openedxTypes.badgeAwarded,
    ...(group === undefined ? {} : { group }),
    rules: [
      { path: 'template.uuid', op: 'eq', value: badgeClassId },
      { path: 'template.origin', op: 'eq', value: laurelBadgeOrigin },
    ],
  };
}

/** The matching penalty: revoking the prerequisite badge undoes the dependency requirements. */
export function badgeDependencyPenalty(id: string, badgeClassId: string, requirementIds: string[]): Penalty {
  return {
    id,
    eventType: openedxTypes.badgeRevoked,
    rules: [
      { path: 'template.uuid', op: 'eq', value: badgeClassId },
      { path: 'template.origin', op: 'eq', value: laurelBadgeOrigin },
    ],
    requirementIds,
  };
}

/** Builds the badge lifecycle event that a transition produces (the caller supplies ids and names). */
export type TransitionEvent = (transition: Transition, cause: NormalizedEvent) => NormalizedEvent;

/**
 * Evaluates an event and, in turn, the badge events its transitions produce, so that a pathway
 * completes in one step. `maxDepth` stops cycles (A needs B needs A) from running forever.
 */
export function evaluateWithDependencies(
  index: RuleIndex,
  states: LearnerStates,
  event: NormalizedEvent,
  eventFor: TransitionEvent,
  maxDepth = maxBadgeChainDepth,
): { states: LearnerStates; steps: EvaluationResult[] } {
  const steps: EvaluationResult[] = [];
  let current = states;
  let queue: { event: NormalizedEvent; depth: number }[] = [{ event, depth: 0 }];
  while (queue.length > 0) {
    const next: typeof queue = [];
    for (const item of queue) {
      const result = evaluateEvent(index, current, item.event);
      steps.push(result);
      current = applyChanges(current, result.changed);
      if (item.depth >= maxDepth) continue;
      for (const transition of result.transitions) next.push({ event: eventFor(transition, item.event), depth: item.depth + 1 });
    }
    queue = next;
  }
  return { states: current, steps };
}
