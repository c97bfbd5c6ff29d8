import { systemContext, type OperationContext } from '../auth/principal.js';
import type { AwardService } from '../awards/service.js';
import { inTransaction, type Db } from '../db/database.js';
import { RetryLaterError } from '../jobs/errors.js';
import type { TransitionKind } from '../rules/explanation.js';
import { causedBy } from './badge-events.js';
import { DecisionBatch } from './decision-batch.js';
import { draftOf, evaluateStoredEvent, type DecisionDraft, type Evaluation } from './event-evaluation.js';
import {
  findDecision,
  findDecisions,
  findEvents,
  insertDecision,
  learnersWithUndecidedEvents,
  lockTransitions,
  orderWindowMs,
  saveTransitions,
  type DecidedTransition,
  type StoredEvent,
} from './event-store.js';
import type { ProcessEventsPayload } from './process-events-job.js';
import { findLearner, setStateAward, StaleStateError, statesOf, writeState, type Learner, type StoredState } from './learner-store.js';
import type { CompiledRules, RuleIndexCache } from './rule-index-cache.js';

/** How soon an event whose learner state changed under it is evaluated again. */
const staleStateRetryMs = 100;

/** A job waits for its learners' earlier events (see `orderWindowMs`), checking this often… */
const orderPollMs = 20;
/** …and for this long at most before it goes on regardless. */
const orderWaitMs = 5_000;

/** Who awards and revokes in the audit log when rules do it. */
const rulesContext = (organizationId: string): OperationContext => systemContext(organizationId, 'rules');

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

/**
 * The `events.process` job: evaluates recorded events, one after the other, against their
 * organisation's active rules, then carries out the awards and revocations they cause.
 *
 * Exactly once, although awarding needs its own transaction (credentials are signed outside it):
 * an event's decision row — explanation, new learner states and planned transitions — commits in
 * the transaction of its first award or revocation (or, when there is none, in one transaction
 * with the job's other such decisions); each further transition commits with the mark that it was
 * carried out. A retried job skips decided events and finishes their unmarked transitions. Learner
 * states are written optimistically, so two events of one learner evaluated at once cannot both
 * count: the later writer rolls back and evaluates again.
 * Awards and revocations run `causedBy` the event, so the badge events they record continue its
 * chain, which ends after `maxBadgeChainDepth` badge events.
 */
export class EventProcessor {
  constructor(private readonly options: { db: Db; awards: AwardService; rules: RuleIndexCache; observer?: DecisionObserver; onTransition?: TransitionListener }) {}

  async process(payload: ProcessEventsPayload): Promise<void> {
    try {
      await this.#processInOrder(payload.eventIds);
    } catch (error) {
      if (error instanceof StaleStateError) throw new RetryLaterError(staleStateRetryMs, error.message, { cause: error });
      throw error;
    }
  }

  /**
   * Decides the events in order against learner states held in memory. A decision without
   * transitions — nearly every one — waits in the batch; the batch is written before any award or
   * revocation and at the end, so what commits is always the events' decisions in order.
   */
  async #processInOrder(eventIds: readonly string[]): Promise<void> {
    const { db } = this.options;
    const [events, decisions] = await Promise.all([findEvents(db, eventIds), findDecisions(db, eventIds)]);
    const undecided = [...events.values()].filter((stored) => !decisions.has(stored.id));
    await this.#afterEarlierEvents(undecided);
    const batch = new DecisionBatch(db);
    await batch.load(undecided.map((stored) => stored.learnerId));
    // One rules check per organisation and job: an edit applies from the next job on.
    const rules = new Map<string, Promise<CompiledRules>>();
    const rulesOf = (organizationId: string) => rules.get(organizationId) ?? rules.set(organizationId, this.options.rules.rulesOf(db, organizationId)).get(organizationId)!;
    for (const eventId of new Set(eventIds)) {
      const stored = events.get(eventId);
      if (!stored) continue;
      let decision: DecisionDraft | undefined = decisions.get(eventId);
      if (!decision) {
        const result = evaluateStoredEvent((await rulesOf(stored.organizationId)).index, stored, await batch.statesOf(stored.learnerId));
        if (result.transitions.length === 0) {
          batch.add(stored.organizationId, draftOf(stored, result), result.changed);
          continue;
        }
        await this.#flush(batch);
        // The verdict stands: the flush wrote what it was evaluated against; only revisions moved.
        decision = await this.#decide(stored, await batch.statesOf(stored.learnerId), result);
      } else if (decision.transitions.every((t) => t.done)) {
        continue;
      } else {
        await this.#flush(batch);
      }
      for (let index = 0; index < decision.transitions.length; index++) {
        if (!decision.transitions[index]!.done) decision = await this.#carryOut(stored, decision, index);
      }
      batch.forget(stored.learnerId);
    }
    await this.#flush(batch);
  }

  /**
   * A learner's events are decided in the order they were recorded, also when they are in jobs
   * that run at the same time: a penalty and a completion decided the wrong way round would leave
   * the wrong badge. So before reading learner states, this waits while another job still has to
   * decide an earlier event of one of these events' learners.
   */
  async #afterEarlierEvents(undecided: readonly StoredEvent[]): Promise<void> {
    if (undecided.length === 0) return;
    const before = new Date(undecided.reduce((earliest, stored) => Math.min(earliest, stored.receivedAt.getTime()), Infinity));
    // The job's own events were recorded at `before` or later, so none of them is waited for.
    const query = { since: new Date(before.getTime() - orderWindowMs), before };
    const deadline = Date.now() + orderWaitMs;
    let waitingFor = await learnersWithUndecidedEvents(this.options.db, { ...query, learnerIds: [...new Set(undecided.map((stored) => stored.learnerId))] });
    while (waitingFor.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, orderPollMs));
      waitingFor = await learnersWithUndecidedEvents(this.options.db, { ...query, learnerIds: [...waitingFor] });
    }
  }

  async #flush(batch: DecisionBatch): Promise<void> {
    const written = await batch.flush();
    for (let n = 0; n < written; n++) this.options.observer?.eventDecided([]);
  }

  /**
   * Records the decision of an event that awards or revokes, in the transaction of its first
   * transition; `previous` are the learner states it was evaluated against, with the revisions
   * the writes are checked against.
   */
  async #decide(stored: StoredEvent, previous: Map<string, StoredState>, result: Evaluation): Promise<DecisionDraft> {
    const draft = draftOf(stored, result);
    const record = async (tx: Db) => {
      for (const state of result.changed) await writeState(tx, stored.organizationId, stored.learnerId, state, previous.get(state.badgeClassId));
      await insertDecision(tx, stored.organizationId, draft);
    };
    const decision = await this.#carryOut(stored, draft, 0, record);
    this.options.observer?.eventDecided(decision.transitions);
    return decision;
  }

  /**
   * Awards or revokes as transition `index` says, marking it done in the same transaction; `first`
   * runs there before (the decision itself, for the first transition). An award for a learner
   * without an e-mail waits, marked with a note, until an event brings one (ingestion then
   * enqueues the event again).
   */
  async #carryOut(stored: StoredEvent, decision: DecisionDraft, index: number, first?: (tx: Db) => Promise<void>): Promise<DecisionDraft> {
    const { db, awards } = this.options;
    const { organizationId, learnerId } = stored;
    const transition = decision.transitions[index]!;
    let next = decision;
    const settle = async (tx: Db, change: Partial<DecidedTransition>) => {
      await first?.(tx);
      // An event resumed by two jobs at once: the first to commit carries the transition out.
      if (!first && (await lockTransitions(tx, stored.id))[index]?.done) throw new AlreadySettledError();
      const transitions = decision.transitions.map((t, i) => (i === index ? { ...t, ...change } : t));
      await saveTransitions(tx, stored.id, transitions);
      next = { ...decision, transitions };
    };
    const complete = async (tx: Db, awardId: string | null) => {
      await settle(tx, { done: true, awardId, note: undefined });
      await setStateAward(tx, learnerId, transition.badgeClassId, awardId);
      if (awardId !== null) await this.options.onTransition?.(tx, { organizationId, learnerId, kind: transition.kind, awardId });
    };
    const context = rulesContext(organizationId);
    const cause = { eventId: stored.id, learnerId, depth: stored.depth };
    try {
      if (transition.kind === 'revoke') {
        const awardId = (await statesOf(db, learnerId)).get(transition.badgeClassId)?.awardId ?? null;
        if (awardId === null) await inTransaction(db, (tx) => complete(tx, null));
        else await causedBy(cause, () => awards.revoke(context, awardId, revocationReason(decision, transition.badgeClassId, stored), (tx) => complete(tx, awardId)));
        return next;
      }
      if (!first && (await this.#settledMeanwhile(context, learnerId, transition.badgeClassId))) {
        await inTransaction(db, (tx) => settle(tx, { done: true, note: 'not awarded: a later event awarded or revoked the badge while this award waited' }));
        return next;
      }
      const learner = await this.#learnerWithEmail(stored, (tx, note) => settle(tx, { note }));
      if (!learner) return next;
      const recipient = { email: learner.email, externalId: learner.externalId, ...(learner.name !== null && { name: learner.name }) };
      // A learner who already holds a single-holding badge (awarded by hand) keeps that award; the
      // rules do not adopt it, so their penalties never revoke what a person issued.
      await causedBy(cause, () => awards.issue(context, transition.badgeClassId, [{ recipient }], (tx, [outcome]) => complete(tx, outcome?.outcome === 'awarded' ? outcome.award.id : null)));
      return next;
    } catch (error) {
      if (error instanceof AlreadySettledError) return (await findDecision(db, stored.id)) ?? next;
      throw error;
    }
  }

  /**
   * Whether an award resumed later (it waited for an e-mail) is no longer due: a later event revoked
   * the badge, or made an award that is still live. (The state may name an earlier award the rules
   * revoked: a badge awarded again after a revocation is still due.)
   */
  async #settledMeanwhile(context: OperationContext, learnerId: string, badgeClassId: string): Promise<boolean> {
    const current = (await statesOf(this.options.db, learnerId)).get(badgeClassId);
    if (current?.state.status !== 'awarded') return true;
    return current.awardId !== null && (await this.options.awards.get(context, current.awardId)).status === 'awarded';
  }

  /**
   * The event's learner, or undefined after `wait` recorded (in its transaction) that the learner
   * has no e-mail yet. The row is locked there: an event bringing the e-mail either committed
   * before (and is seen) or finds the decision waiting once this commits. An e-mail once known
   * stays (an event without one keeps it), so a learner read with one needs no lock: nearly every
   * award takes that path, without a transaction or waiting for a recording of the learner.
   */
  async #learnerWithEmail(stored: StoredEvent, wait: (tx: Db, note: string) => Promise<void>): Promise<(Learner & { email: string }) | undefined> {
    const { db } = this.options;
    const seen = await findLearner(db, stored.organizationId, stored.learnerId);
    if (seen && seen.email !== null) return { ...seen, email: seen.email };
    return inTransaction(db, async (tx) => {
      const learner = await findLearner(tx, stored.organizationId, stored.learnerId, 'share');
      if (!learner) throw new Error(`learner ${stored.learnerId} of event ${stored.id} not found`);
      if (learner.email !== null) return { ...learner, email: learner.email };
      await wait(tx, `waiting: learner ${learner.id} ("${learner.externalId}" from ${learner.source}) has no e-mail address yet; the award is made when an event brings one`);
      return undefined;
    });
  }
}

/** Thrown inside a transition's transaction when another job carried it out first: rolls back what this one did. */
class AlreadySettledError extends Error {
  constructor() {
    super('the transition was carried out meanwhile');
    this.name = 'AlreadySettledError';
  }
}

function revocationReason(decision: DecisionDraft, badgeClassId: string, stored: StoredEvent): string {
  const penalties = decision.explanation.badgeClasses.find((b) => b.badgeClassId === badgeClassId)?.penalties.filter((p) => p.matched).map((p) => p.penaltyId) ?? [];
  return `Revoked by rules: penalty ${penalties.join(', ')} matched event ${stored.event.id} (${stored.event.type}) from ${stored.event.source}.`;
}
