import type { NormalizedEvent } from '../events/event.js';
import { describeFailure, type CompiledRule, type RuleFailure } from './compile-rule.js';
import type { CompiledBadgeClass, CompiledEntry, CompiledPenalty, CompiledRequirement, RuleIndex } from './compile.js';
import type {
  BadgeClassExplanation,
  EventExplanation,
  PenaltyExplanation,
  RequirementExplanation,
  Transition,
  TransitionKind,
} from './explanation.js';
import { emptyState, type LearnerBadgeState, type LearnerStates } from './model.js';
import { progressOverGroups } from './progress.js';
import { renderPython } from './python-render.js';

export interface EvaluationResult {
  /** New states of the badge classes whose state changed: what the store must write (see `applyChanges`). */
  changed: LearnerBadgeState[];
  transitions: Transition[];
  explanation: EventExplanation;
}

function firstFailure(rules: readonly CompiledRule[], data: unknown): RuleFailure | undefined {
  for (const rule of rules) {
    const reason = rule.check(data);
    if (reason !== undefined) return describeFailure(rule, data, reason);
  }
  return undefined;
}

export interface EvaluateOptions {
  /**
   * `considered` (default, the fast path): explain the requirements and penalties the index could
   * not rule out. `all`: explain every one of the event type, each ruled-out one with its failing
   * rule; states and transitions are the same either way.
   */
  explain?: 'considered' | 'all';
}

/**
 * The requirements and penalties of the event's type that the index cannot rule out, in compile
 * order — which groups them by badge class, requirements before penalties.
 */
function candidatesOf(index: RuleIndex, event: NormalizedEvent, explainAll: boolean): { entries: CompiledEntry[]; skipped: number } {
  const typeIndex = index.byEventType.get(event.type);
  if (!typeIndex) return { entries: [], skipped: 0 };
  let entries: CompiledEntry[] = typeIndex.unkeyed;
  for (const keyed of typeIndex.keyed) {
    if (explainAll) {
      entries = [...entries];
      for (const bucket of keyed.buckets.values()) entries.push(...bucket);
      continue;
    }
    const bucket = keyed.buckets.get(renderPython(keyed.read(event.data), keyed.kind));
    if (bucket) entries = entries.concat(bucket);
  }
  if (typeIndex.keyed.length > 0) entries.sort(byOrder);
  return { entries, skipped: typeIndex.size - entries.length };
}

const byOrder = (a: CompiledEntry, b: CompiledEntry) => a.order - b.order;

/** The explanation of an event no requirement or penalty matched: `skippedByIndex` were ruled out by the index. */
export function explanationWithoutMatches(event: Pick<NormalizedEvent, 'id' | 'type'>, skippedByIndex: number): EventExplanation {
  return { eventId: event.id, eventType: event.type, skippedByIndex, badgeClasses: [] };
}

/**
 * When the index rules out every requirement and penalty for the event, how many it ruled out:
 * the event then concerns no active rule whatever the learner's states, and that count is its
 * whole explanation (`explanationWithoutMatches`). Undefined when some may match.
 */
export function skippedWhollyByIndex(index: RuleIndex, event: NormalizedEvent): number | undefined {
  const { entries, skipped } = candidatesOf(index, event, false);
  return entries.length === 0 ? skipped : undefined;
}

/** Working copy of one state, copied only when something changes. */
class Draft {
  fulfilled: Set<string>;
  counted: Record<string, string[]>;
  status: LearnerBadgeState['status'];
  dirty = false;

  constructor(readonly original: LearnerBadgeState) {
    this.fulfilled = new Set(original.fulfilled);
    this.counted = original.counted;
    this.status = original.status;
  }

  setCounted(requirementId: string, keys: string[] | undefined): void {
    const next = { ...this.counted };
    if (keys) next[requirementId] = keys;
    else delete next[requirementId];
    this.counted = next;
    this.dirty = true;
  }

  toState(): LearnerBadgeState {
    return { badgeClassId: this.original.badgeClassId, fulfilled: [...this.fulfilled], counted: this.counted, status: this.status };
  }
}

function applyRequirement(entry: CompiledRequirement, event: NormalizedEvent, eventTime: number, draft: Draft): RequirementExplanation {
  const requirementId = entry.requirement.id;
  if (!(eventTime >= entry.windowFrom && eventTime < entry.windowUntil)) return { requirementId, outcome: 'outside_window' };
  const failedRule = firstFailure(entry.rules, event.data);
  if (failedRule) return { requirementId, outcome: 'failed', failedRule };
  if (draft.fulfilled.has(requirementId)) return { requirementId, outcome: 'already_fulfilled' };
  const count = entry.requirement.count;
  if (count) {
    const raw = entry.distinctBy ? entry.distinctBy(event.data) : event.id;
    if (raw === undefined || raw === null) {
      const path = entry.requirement.count?.distinctBy ?? '';
      return {
        requirementId,
        outcome: 'failed',
        failedRule: { index: -1, path, op: 'exists', expected: undefined, actual: raw, reason: 'the distinct-by value is missing' },
      };
    }
    const key = renderPython(raw, entry.distinctKind);
    const seen = draft.counted[requirementId] ?? [];
    const duplicate = seen.includes(key);
    const keys = duplicate ? seen : [...seen, key];
    const done = keys.length >= count.n;
    // Once fulfilled the keys are dropped: the state stays small and a penalty restarts the count.
    if (!duplicate || done) draft.setCounted(requirementId, done ? undefined : keys);
    const progress = { key, duplicate, seen: keys.length, needed: count.n };
    if (!done) return { requirementId, outcome: 'counted', count: progress };
    draft.fulfilled.add(requirementId);
    draft.dirty = true;
    return { requirementId, outcome: 'fulfilled', count: progress };
  }
  draft.fulfilled.add(requirementId);
  draft.dirty = true;
  return { requirementId, outcome: 'fulfilled' };
}

function applyPenalty(entry: CompiledPenalty, event: NormalizedEvent, draft: Draft): PenaltyExplanation {
  const penaltyId = entry.penalty.id;
  const failedRule = firstFailure(entry.rules, event.data);
  if (failedRule) return { penaltyId, matched: false, failedRule, reset: [] };
  const reset: string[] = [];
  for (const requirementId of entry.penalty.requirementIds) {
    if (draft.fulfilled.delete(requirementId)) reset.push(requirementId);
    if (draft.counted[requirementId]) draft.setCounted(requirementId, undefined);
  }
  if (reset.length > 0) draft.dirty = true;
  return { penaltyId, matched: true, reset };
}

function decide(
  badgeClass: CompiledBadgeClass,
  draft: Draft,
  wasComplete: boolean,
  isComplete: boolean,
  penaltyMatched: boolean,
): { transition: TransitionKind | 'none'; reason: string } {
  const status = draft.original.status;
  if (status === 'awarded') {
    if (wasComplete && !isComplete && penaltyMatched) return { transition: 'revoke', reason: 'a penalty made the awarded badge incomplete' };
    return { transition: 'none', reason: isComplete || !wasComplete ? 'already awarded' : 'already awarded; no penalty applied' };
  }
  if (!isComplete) return { transition: 'none', reason: 'not complete yet' };
  if (status === 'revoked' && !badgeClass.rules.reawardAfterRevoke) {
    return { transition: 'none', reason: 'complete again, but this badge class does not award a revoked badge again' };
  }
  return { transition: 'award', reason: status === 'revoked' ? 'complete again after a revocation' : 'all requirement groups are fulfilled' };
}

/** Time of the event in ms, parsed only if a candidate has a window. */
function eventTimeOf(event: NormalizedEvent, entries: readonly CompiledEntry[]): number {
  const windowed = entries.some((entry) => entry.kind === 'requirement' && entry.requirement.window !== undefined);
  return windowed ? Date.parse(event.time) : 0;
}

/** Evaluates `entries[start..end)`, all of one badge class. */
function evaluateBadgeClass(
  badgeClass: CompiledBadgeClass,
  entries: readonly CompiledEntry[],
  start: number,
  end: number,
  state: LearnerBadgeState,
  event: NormalizedEvent,
  eventTime: number,
): { explanation: BadgeClassExplanation; draft: Draft; transition: TransitionKind | 'none' } {
  const draft = new Draft(state);
  const before = progressOverGroups(badgeClass.groups, draft.fulfilled);
  const requirements: RequirementExplanation[] = [];
  const penalties: PenaltyExplanation[] = [];
  // Entries come requirements first, so penalties see what this very event fulfilled.
  let penaltyMatched = false;
  for (let i = start; i < end; i++) {
    const entry = entries[i] as CompiledEntry;
    if (entry.kind === 'requirement') {
      requirements.push(applyRequirement(entry, event, eventTime, draft));
    } else {
      const outcome = applyPenalty(entry, event, draft);
      penaltyMatched ||= outcome.matched;
      penalties.push(outcome);
    }
  }
  const after = progressOverGroups(badgeClass.groups, draft.fulfilled);
  const { transition, reason } = decide(badgeClass, draft, before.complete, after.complete, penaltyMatched);
  if (transition !== 'none') {
    draft.status = transition === 'award' ? 'awarded' : 'revoked';
    draft.dirty = true;
  }
  const explanation = { badgeClassId: badgeClass.rules.badgeClassId, requirements, penalties, before, after, transition, reason };
  return { explanation, draft, transition };
}

/**
 * Applies one event to one learner's states. Pure: the same index, states and event always give
 * the same result. Per badge class, matching requirements are fulfilled first, then matching
 * penalties reset their requirements; the transition compares progress before and after.
 */
export function evaluateEvent(index: RuleIndex, states: LearnerStates, event: NormalizedEvent, options: EvaluateOptions = {}): EvaluationResult {
  const { entries, skipped } = candidatesOf(index, event, options.explain === 'all');
  const explanation = explanationWithoutMatches(event, skipped);
  const changed: LearnerBadgeState[] = [];
  const transitions: Transition[] = [];
  const eventTime = eventTimeOf(event, entries);
  let start = 0;
  while (start < entries.length) {
    const badgeClass = (entries[start] as CompiledEntry).badgeClass;
    let end = start + 1;
    while (end < entries.length && entries[end]?.badgeClass === badgeClass) end += 1;
    const badgeClassId = badgeClass.rules.badgeClassId;
    const state = states[badgeClassId] ?? emptyState(badgeClassId);
    const outcome = evaluateBadgeClass(badgeClass, entries, start, end, state, event, eventTime);
    explanation.badgeClasses.push(outcome.explanation);
    if (outcome.transition !== 'none') transitions.push({ badgeClassId, kind: outcome.transition });
    if (outcome.draft.dirty) changed.push(outcome.draft.toState());
    start = end;
  }
  return { changed, transitions, explanation };
}

/** The learner's states with an evaluation's changes applied (for callers that keep states in memory). */
export function applyChanges(states: LearnerStates, changed: readonly LearnerBadgeState[]): LearnerStates {
  if (changed.length === 0) return states;
  const next: Record<string, LearnerBadgeState> = { ...states };
  for (const state of changed) next[state.badgeClassId] = state;
  return next;
}
