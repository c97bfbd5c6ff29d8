/**
 * The rule model of automatic awarding, as plain serialisable values (stored as JSON by the
 * catalogue, compiled by `compile.ts`, evaluated by `evaluate.ts`).
 */
export const ruleOperators = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'contains', 'exists', 'not_exists', 'matches'] as const;

export type RuleOperator = (typeof ruleOperators)[number];

export type ScalarValue = string | number | boolean | null;

/** One condition on an event's `data`: the value at `path` (dot-separated) compared with `value`. */
export interface DataRule {
  path: string;
  op: RuleOperator;
  /** Scalar for comparisons, list for `in`/`not_in`, pattern for `matches`, absent for `exists`/`not_exists`. */
  value?: ScalarValue | ScalarValue[];
}

export interface Requirement {
  id: string;
  eventType: string;
  description?: string;
  /** Requirements sharing a group are alternatives (OR); a requirement without one is its own group. */
  group?: string;
  /** All must match (AND); none means every event of the type matches. */
  rules: DataRule[];
  /** Needs `n` matching events, distinct by the value at `distinctBy` (or by event id when absent). */
  count?: { n: number; distinctBy?: string };
  /** Only events whose time is in [from, until) count; either bound may be open. ISO 8601. */
  window?: { from?: string; until?: string };
}

/** When an event of its type matches all its rules, the linked requirements are no longer fulfilled. */
export interface Penalty {
  id: string;
  eventType: string;
  description?: string;
  rules: DataRule[];
  requirementIds: string[];
}

/** Everything that decides automatic awarding of one badge class. */
export interface BadgeClassRules {
  badgeClassId: string;
  requirements: Requirement[];
  penalties: Penalty[];
  /** Whether later events may award again a badge that a penalty revoked. */
  reawardAfterRevoke: boolean;
}

/**
 * One learner's standing towards one badge class: what the store persists between events.
 * `status` is the award as the rules last left it (`none` = never awarded by rules or by hand).
 */
export interface LearnerBadgeState {
  badgeClassId: string;
  fulfilled: string[];
  /** Distinct keys seen so far, per counted requirement that is not yet fulfilled. */
  counted: Record<string, string[]>;
  status: 'none' | 'awarded' | 'revoked';
}

/** A learner's states by badge class id; a missing entry means a fresh state. */
export type LearnerStates = Readonly<Record<string, LearnerBadgeState>>;

export function emptyState(badgeClassId: string): LearnerBadgeState {
  return { badgeClassId, fulfilled: [], counted: {}, status: 'none' };
}
