import type { RuleFailure } from './compile-rule.js';
import type { Progress } from './progress.js';

/** Why each considered requirement and penalty did or did not apply to an event, and what followed. */
export type RequirementOutcome =
  | 'fulfilled'
  | 'already_fulfilled'
  | 'counted'
  | 'failed'
  | 'outside_window';

export interface RequirementExplanation {
  requirementId: string;
  outcome: RequirementOutcome;
  failedRule?: RuleFailure;
  /** For counted requirements that matched: the distinct key and how far the count got. */
  count?: { key: string; duplicate: boolean; seen: number; needed: number };
}

export interface PenaltyExplanation {
  penaltyId: string;
  matched: boolean;
  failedRule?: RuleFailure;
  /** Linked requirements that were fulfilled and no longer are. */
  reset: string[];
}

export type TransitionKind = 'award' | 'revoke';

export interface Transition {
  badgeClassId: string;
  kind: TransitionKind;
}

export interface BadgeClassExplanation {
  badgeClassId: string;
  requirements: RequirementExplanation[];
  penalties: PenaltyExplanation[];
  before: Progress;
  after: Progress;
  transition: TransitionKind | 'none';
  reason: string;
}

export interface EventExplanation {
  eventId: string;
  eventType: string;
  /** Requirements and penalties of the event type that the index ruled out: their chosen `eq` rule cannot match. */
  skippedByIndex: number;
  badgeClasses: BadgeClassExplanation[];
}
