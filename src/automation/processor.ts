import type { OperationContext } from '../auth/principal.js';
import type { AwardService } from '../awards/service.js';
import { inTransaction, type Db } from '../db/database.js';
import { RetryLaterError } from '../jobs/errors.js';
import { evaluateEvent, type LearnerStates } from '../rules/index.js';
import type { TransitionKind } from '../rules/explanation.js';
import { findDecision, findEvent, insertDecision, saveTransitions, type Decision, type StoredEvent } from './event-store.js';
import type { ProcessEventsPayload } from './ingestion.js';
import { findLearner, setStateAward, StaleStateError, statesOf, writeState } from './learner-store.js';
import type { RuleIndexCache } from './rule-index-cache.js';

type DecisionDraft = Omit<Decision, 'createdAt'>;

/** How soon an event whose learner state changed under it is evaluated again. */
const staleStateRetryMs = 100;

/** Who awards and revokes in the audit log when rules do it. */
const rulesContext = (organizationId: string): OperationContext => ({ organizationId, actor: { type: 'system', id: 'rules' }, requestId: null, role: null });

/**
 * The `events.process` job: evaluates recorded events, one after the other, against their
 * organisation's active rules, then carries out the awards and revocations they cause.
 *
 * Exactly once, although awarding needs its own transaction (credentials are signed outside it):
 * an event's decision row — explanation, new learner states and planned transitions — commits in
 * the transaction of its first award or revocation (or alone when there is none); each further
 * transition commits with the mark that it was carried out. A retried job skips decided events and
 * finishes their unmarked transitions. Learner states are written optimistically, so two events of
 * one learner evaluated at once cannot both count: the later writer rolls back and evaluates again.
 */
/** Hears each decision once, when it is first recorded (for metrics). */
export interface DecisionObserver {
  eventDecided(transitions: readonly { kind: string }[]): void;
}

/** An award made or revoked by the rules. */
export interface CarriedOutTransition {
  organizationId: string;
  learnerId: string;
  kind: TransitionKind;
  awardId: string;
}

/** Runs inside the transaction of each carried-out transition, so the jobs it enqueues commit with it (outbox). */
export type TransitionListener = (tx: Db, transition: CarriedOutTransition) => Promise<void>;

export class EventProcessor {
  constructor(private readonly options: { db: Db; awards: AwardService; rules: RuleIndexCache; observer?: DecisionObserver; onTransition?: TransitionListener }) {}

  async process(payload: ProcessEventsPayload): Promise<void> {
    for (const eventId of payload.eventIds) {
      try {
        await this.#processEvent(eventId);
      } catch (error) {
        if (error instanceof StaleStateError) throw new RetryLaterError(staleStateRetryMs, error.message, { cause: error });
        throw error;
      }
    }
  }

  async #processEvent(eventId: string): Promise<void> {
    const stored = await findEvent(this.options.db, eventId);
    if (!stored) return;
    let decision: DecisionDraft = (await findDecision(this.options.db, eventId)) ?? (await this.#decide(stored));
    for (let index = 0; index < decision.transitions.length; index++) {
      if (!decision.transitions[index]!.done) decision = await this.#carryOut(stored, decision, index);
    }
  }

  /** Evaluates the event and records the decision, together with its first transition if any. */
  async #decide(stored: StoredEvent): Promise<DecisionDraft> {
    const { db, rules } = this.options;
    const { index } = await rules.rulesOf(db, stored.organizationId);
    const previous = await statesOf(db, stored.learnerId);
    const states: LearnerStates = Object.fromEntries([...previous].map(([badgeClassId, s]) => [badgeClassId, s.state]));
    const result = evaluateEvent(index, states, stored.event);
    let decision: DecisionDraft = {
      eventId: stored.id,
      learnerId: stored.learnerId,
      explanation: result.explanation,
      transitions: result.transitions.map((t) => ({ badgeClassId: t.badgeClassId, kind: t.kind, done: false, awardId: null })),
    };
    const record = async (tx: Db) => {
      for (const state of result.changed) await writeState(tx, stored.organizationId, stored.learnerId, state, previous.get(state.badgeClassId));
      await insertDecision(tx, stored.organizationId, decision);
    };
    if (decision.transitions.length === 0) {
      await inTransaction(db, record);
    } else {
      decision = await this.#carryOut(stored, decision, 0, record);
    }
    this.options.observer?.eventDecided(decision.transitions);
    return decision;
  }

  /**
   * Awards or revokes as transition `index` says, marking it done in the same transaction; `first`
   * runs there before (the decision itself, for the first transition).
   */
  async #carryOut(stored: StoredEvent, decision: DecisionDraft, index: number, first?: (tx: Db) => Promise<void>): Promise<DecisionDraft> {
    const { db, awards } = this.options;
    const transition = decision.transitions[index]!;
    const context = rulesContext(stored.organizationId);
    let next = decision;
    const complete = async (tx: Db, awardId: string | null) => {
      await first?.(tx);
      const transitions = decision.transitions.map((t, i) => (i === index ? { ...t, done: true, awardId } : t));
      await setStateAward(tx, stored.learnerId, transition.badgeClassId, awardId);
      await saveTransitions(tx, stored.id, transitions);
      if (awardId !== null) await this.options.onTransition?.(tx, { organizationId: stored.organizationId, learnerId: stored.learnerId, kind: transition.kind, awardId });
      next = { ...decision, transitions };
    };
    if (transition.kind === 'award') {
      const learner = await findLearner(db, stored.organizationId, stored.learnerId);
      if (!learner) throw new Error(`learner ${stored.learnerId} of event ${stored.id} not found`);
      const recipient = { email: learner.email, externalId: learner.externalId, ...(learner.name !== null && { name: learner.name }) };
      // A learner who already holds a single-holding badge (awarded by hand) keeps that award; the
      // rules do not adopt it, so their penalties never revoke what a person issued.
      await awards.issue(context, transition.badgeClassId, [{ recipient }], (tx, [outcome]) => complete(tx, outcome?.outcome === 'awarded' ? outcome.award.id : null));
      return next;
    }
    const awardId = (await statesOf(db, stored.learnerId)).get(transition.badgeClassId)?.awardId ?? null;
    if (awardId === null) {
      await inTransaction(db, (tx) => complete(tx, null));
      return next;
    }
    await awards.revoke(context, awardId, revocationReason(decision, transition.badgeClassId, stored), (tx) => complete(tx, awardId));
    return next;
  }
}

function revocationReason(decision: DecisionDraft, badgeClassId: string, stored: StoredEvent): string {
  const penalties = decision.explanation.badgeClasses.find((b) => b.badgeClassId === badgeClassId)?.penalties.filter((p) => p.matched).map((p) => p.penaltyId) ?? [];
  return `Revoked by rules: penalty ${penalties.join(', ')} matched event ${stored.event.id} (${stored.event.type}) from ${stored.event.source}.`;
}
