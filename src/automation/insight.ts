import type { OperationContext } from '../auth/principal.js';
import type { Db } from '../db/database.js';
import { notFound } from '../kernel/errors.js';
import { progressOf, type Progress } from '../rules/index.js';
import { findDecision, findEvent, listLearnerEvents, type Decision, type StoredEvent } from './event-store.js';
import { findLearner, listLearners, statesOf, type Learner, type LearnerQuery } from './learner-store.js';
import { listRejectedEvents } from './rejected-event-store.js';
import type { RuleIndexCache } from './rule-index-cache.js';

export interface EventDecisions {
  event: StoredEvent;
  /** `pending` until the event has been evaluated. */
  status: 'pending' | 'processed';
  decisions: Decision[];
}

export interface BadgeClassProgress extends Progress {
  badgeClassId: string;
  status: 'none' | 'awarded' | 'revoked';
  /** The award the rules made, if any. */
  awardId: string | null;
}

/** The read side of automatic awarding: learners, their progress, why each event did what it did, and what the bus could not deliver. */
export class AutomationInsight {
  constructor(private readonly options: { db: Db; rules: RuleIndexCache }) {}

  async decisionsOf(context: OperationContext, eventId: string): Promise<EventDecisions> {
    const event = await findEvent(this.options.db, eventId, context.organizationId);
    if (!event) throw notFound('Event');
    const decision = await findDecision(this.options.db, eventId);
    return { event, status: decision ? 'processed' : 'pending', decisions: decision ? [decision] : [] };
  }

  findLearners(context: OperationContext, query: LearnerQuery) {
    return listLearners(this.options.db, context.organizationId, query);
  }

  /** A learner's events, newest first: what was sent about them and the badge events their awards made. */
  async eventsOf(context: OperationContext, learnerId: string, query: { after?: string; limit: number }) {
    const { db } = this.options;
    if (!(await findLearner(db, context.organizationId, learnerId))) throw notFound('Learner');
    return listLearnerEvents(db, context.organizationId, learnerId, query);
  }

  /** Open edX bus messages that could not be recorded, newest first. */
  rejectedEvents(context: OperationContext, query: { after?: string; limit: number }) {
    return listRejectedEvents(this.options.db, context.organizationId, query);
  }

  /** Progress towards every badge class whose rules are active now. */
  async progressOf(context: OperationContext, learnerId: string): Promise<{ learner: Learner; items: BadgeClassProgress[] }> {
    const { db, rules } = this.options;
    const learner = await findLearner(db, context.organizationId, learnerId);
    if (!learner) throw notFound('Learner');
    const [{ byBadgeClass }, states] = await Promise.all([rules.rulesOf(db, context.organizationId), statesOf(db, learnerId)]);
    const items = [...byBadgeClass.values()].map((ruleSet) => {
      const stored = states.get(ruleSet.badgeClassId);
      return { badgeClassId: ruleSet.badgeClassId, ...progressOf(ruleSet, stored?.state), status: stored?.state.status ?? 'none', awardId: stored?.awardId ?? null };
    });
    return { learner, items };
  }
}
