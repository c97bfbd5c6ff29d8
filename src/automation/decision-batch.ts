import { inTransaction, type Db } from '../db/database.js';
import type { LearnerBadgeState } from '../rules/index.js';
import type { DecisionDraft } from './event-evaluation.js';
import { insertDecisions } from './event-store.js';
import { statesOfLearners, writeStates, type StoredState } from './learner-store.js';

/** One learner's state for one badge class: as stored, and as the decisions held here leave it. */
interface Slot {
  stored: StoredState | undefined;
  state: LearnerBadgeState;
}

/**
 * The learner states one `events.process` job (or one recording transaction) evaluates against,
 * held in memory, and the decisions without transitions it has taken but not written yet. `flush` writes those decisions
 * and the states they leave in one transaction, each state checked against the revision it was
 * read at, so a concurrent writer makes the whole batch fail (StaleStateError) rather than count
 * an event twice.
 */
export class DecisionBatch {
  readonly #learners = new Map<string, Map<string, Slot>>();
  readonly #changed = new Map<Slot, { organizationId: string; learnerId: string }>();
  #decisions: { organizationId: string; decision: DecisionDraft }[] = [];

  constructor(private readonly db: Db) {}

  /** Reads the stored states of these learners in one query (those already held are kept). */
  async load(learnerIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(learnerIds)].filter((id) => !this.#learners.has(id));
    if (missing.length === 0) return;
    const stored = await statesOfLearners(this.db, missing);
    for (const learnerId of missing) {
      const slots = new Map<string, Slot>();
      for (const [badgeClassId, state] of stored.get(learnerId) ?? []) slots.set(badgeClassId, { stored: state, state: state.state });
      this.#learners.set(learnerId, slots);
    }
  }

  /**
   * The learner's states with this batch's unwritten decisions applied; award and revision are
   * the stored ones (what a write is checked against).
   */
  async statesOf(learnerId: string): Promise<Map<string, StoredState>> {
    await this.load([learnerId]);
    const slots = [...this.#learners.get(learnerId)!];
    return new Map(slots.map(([badgeClassId, slot]) => [badgeClassId, { state: slot.state, awardId: slot.stored?.awardId ?? null, revision: slot.stored?.revision ?? 0 }]));
  }

  /** Holds a decision without transitions and the states it changed until the next flush. */
  add(organizationId: string, decision: DecisionDraft, changed: readonly LearnerBadgeState[]): void {
    const slots = this.#learners.get(decision.learnerId);
    if (!slots) throw new Error(`states of learner ${decision.learnerId} were not loaded`);
    for (const state of changed) {
      let slot = slots.get(state.badgeClassId);
      if (!slot) slots.set(state.badgeClassId, (slot = { stored: undefined, state }));
      slot.state = state;
      this.#changed.set(slot, { organizationId, learnerId: decision.learnerId });
    }
    this.#decisions.push({ organizationId, decision });
  }

  /** Someone else (an award's transaction) changed the learner's states: read them again when next needed. */
  forget(learnerId: string): void {
    this.#learners.delete(learnerId);
  }

  /**
   * Writes the held decisions and states in one transaction (the batch's own, or the one it was
   * made with); resolves to how many decisions were written.
   */
  async flush(): Promise<number> {
    const decisions = this.#decisions;
    if (decisions.length === 0) return 0;
    const changed = [...this.#changed];
    const write = async (tx: Db) => {
      await writeStates(
        tx,
        changed.map(([slot, { organizationId, learnerId }]) => ({ organizationId, learnerId, state: slot.state, previous: slot.stored })),
      );
      await insertDecisions(tx, decisions);
    };
    await (this.db.isTransaction ? write(this.db) : inTransaction(this.db, write));
    for (const [slot] of changed) slot.stored = { state: slot.state, awardId: slot.stored?.awardId ?? null, revision: (slot.stored?.revision ?? 0) + 1 };
    this.#changed.clear();
    this.#decisions = [];
    return decisions.length;
  }
}
