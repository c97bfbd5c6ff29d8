import { evaluateEvent, explanationWithoutMatches, maxBadgeChainDepth, type EvaluationResult, type LearnerStates, type RuleIndex } from '../rules/index.js';
import type { Decision, DecisionExplanation, StoredEvent } from './event-store.js';
import type { StoredState } from './learner-store.js';

/** A decision as taken, before it is stored. */
export type DecisionDraft = Omit<Decision, 'createdAt'>;

/** The rules' verdict on one stored event: an explanation may say why it was not evaluated. */
export type Evaluation = Omit<EvaluationResult, 'explanation'> & { explanation: DecisionExplanation };

/**
 * The rules' verdict on an event against the learner's states; a badge event too far down a
 * chain of badge events is not evaluated.
 */
export function evaluateStoredEvent(index: RuleIndex, stored: StoredEvent, previous: ReadonlyMap<string, StoredState>): Evaluation {
  if (stored.depth > maxBadgeChainDepth) {
    const halted = `not evaluated: ${stored.depth} badge events in a row lead here from a learning event, more than ${maxBadgeChainDepth}; badge classes probably depend on each other in a cycle`;
    return { explanation: { ...explanationWithoutMatches(stored.event, 0), halted }, transitions: [], changed: [] };
  }
  const states: LearnerStates = Object.fromEntries([...previous].map(([badgeClassId, s]) => [badgeClassId, s.state]));
  return evaluateEvent(index, states, stored.event);
}

/** An event's decision as evaluated, before any of its transitions is carried out. */
export function draftOf(stored: StoredEvent, result: Evaluation): DecisionDraft {
  return {
    eventId: stored.id,
    learnerId: stored.learnerId,
    explanation: result.explanation,
    transitions: result.transitions.map((t) => ({ badgeClassId: t.badgeClassId, kind: t.kind, done: false, awardId: null })),
  };
}
