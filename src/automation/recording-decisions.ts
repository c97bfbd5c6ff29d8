import type { Db } from '../db/database.js';
import type { RuleIndex } from '../rules/index.js';
import { DecisionBatch } from './decision-batch.js';
import { draftOf, evaluateStoredEvent } from './event-evaluation.js';
import { learnersWithQueuedEvents, learnersWithUndecidedEvents, orderWindowMs, type StoredEvent } from './event-store.js';

/** Up to this many queued `events.process` jobs, a recording reads their events rather than probing each learner's. */
const queuedJobsAskedDirectly = 200;

export interface RecordingDecisions {
  /** How many of the events were decided here. */
  decided: number;
  /** The events left to the `events.process` job, in the order given. */
  deferred: string[];
}

/**
 * Decides newly recorded events in the transaction that records them, when nothing but a decision
 * follows from them — nearly every event — so they are decided once they are durable, without a
 * job reading them back. The recording locked the learners' rows (`upsertLearners`), so no other
 * recording decides their events meanwhile. An event is left to the `events.process` job instead,
 * and so are its learner's later events in the batch, when:
 *
 * - the learner has an earlier event another job has yet to decide (found among the queued jobs'
 *   events while there are few of them), or an award waiting for an e-mail (`busyLearners`): a
 *   learner's events are decided in order;
 * - it awards or revokes: a credential is signed outside any transaction, and the decision commits
 *   with its first transition (see `EventProcessor`).
 *
 * A state written by someone else since it was read fails the whole transaction (StaleStateError).
 */
export async function decideWhileRecording(
  tx: Db,
  index: RuleIndex,
  organizationId: string,
  events: readonly StoredEvent[],
  busyLearners: Iterable<string>,
): Promise<RecordingDecisions> {
  const learnerIds = [...new Set(events.map((stored) => stored.learnerId))];
  const since = new Date(Date.now() - orderWindowMs);
  const laterThanUndecided =
    (await learnersWithQueuedEvents(tx, { organizationId, learnerIds, since, maxJobs: queuedJobsAskedDirectly })) ??
    (await learnersWithUndecidedEvents(tx, { learnerIds, since, excluding: events.map((stored) => stored.id) }));
  const leftToJob = new Set([...busyLearners, ...laterThanUndecided]);
  const batch = new DecisionBatch(tx);
  await batch.load(learnerIds.filter((id) => !leftToJob.has(id)));
  const deferred: string[] = [];
  for (const stored of events) {
    if (!leftToJob.has(stored.learnerId)) {
      const result = evaluateStoredEvent(index, stored, await batch.statesOf(stored.learnerId));
      if (result.transitions.length === 0) {
        batch.add(organizationId, draftOf(stored, result), result.changed);
        continue;
      }
      leftToJob.add(stored.learnerId);
    }
    deferred.push(stored.id);
  }
  return { decided: await batch.flush(), deferred };
}
