import { AsyncLocalStorage } from 'node:async_hooks';
import type { AwardListener } from '../awards/ports.js';
import type { AwardRecord } from '../awards/store.js';
import { findVersion } from '../catalog/badge-classes/store.js';
import type { Db } from '../db/database.js';
import type { EventUser, NormalizedEvent } from '../events/event.js';
import { openedxTypes } from '../events/openedx/event-types.js';
import { enqueue } from '../jobs/queue.js';
import { skippedWhollyByIndex, type RuleIndex } from '../rules/index.js';
import { badgeDataOf, laurelEventSource, lmsUserId, type BadgeTemplate } from './badge-data.js';
import { appendEvents, type NewEvent } from './event-store.js';
import { processEventsJob, type ProcessEventsPayload } from './process-events-job.js';
import { findLearner, learnersByEmail, upsertLearners, type Learner } from './learner-store.js';
import type { DecisionObserver } from './processor.js';
import type { CompiledRules } from './rule-index-cache.js';

/** The learning event whose processing makes an award or revocation (the rules at work). */
export interface BadgeEventCause {
  eventId: string;
  learnerId: string;
  depth: number;
}

type Kind = 'awarded' | 'revoked';

// The award service tells its listeners what changed, not why; the processor says why for the
// awards and revocations it carries out by running them inside `causedBy`.
const causes = new AsyncLocalStorage<BadgeEventCause>();

/** Runs `work` so that the badge events of the awards and revocations it makes name `cause`. */
export function causedBy<T>(cause: BadgeEventCause, work: () => Promise<T>): Promise<T> {
  return causes.run(cause, work);
}

function userOf(learner: Learner): EventUser {
  return {
    id: learner.externalId,
    ...(learner.email !== null && { email: learner.email }),
    ...(learner.name !== null && { name: learner.name }),
    ...(learner.username !== null && { username: learner.username }),
  };
}

/**
 * The learners an award is about: every learner of the organisation with the recipient's e-mail
 * (an award goes to an address, whichever platform knows the person by it) and, for the rules,
 * the learner they awarded. An address no learner has yet gets one of its own, under source
 * `laurel` with the lower-cased address as its id, so awards by hand alone can complete pathways.
 */
async function learnersOf(tx: Db, organizationId: string, awards: readonly AwardRecord[], cause: BadgeEventCause | undefined): Promise<Map<string, Learner[]>> {
  const emails = [...new Set(awards.map((award) => award.recipient.email.toLowerCase()))];
  let learners = await learnersByEmail(tx, organizationId, emails);
  const known = new Set(learners.map((learner) => learner.email?.toLowerCase()));
  const unknown = awards.filter((award) => !known.has(award.recipient.email.toLowerCase()));
  if (unknown.length > 0) {
    await upsertLearners(
      tx,
      organizationId,
      unknown.map((award) => ({
        source: laurelEventSource,
        externalId: award.recipient.email.toLowerCase(),
        email: award.recipient.email,
        ...(award.recipient.name !== null && { name: award.recipient.name }),
        at: award.issuedOn,
      })),
    );
    learners = await learnersByEmail(tx, organizationId, emails);
  }
  // The rules' learner may have changed address since the award was made for it.
  const awarded = cause && !learners.some((learner) => learner.id === cause.learnerId) ? await findLearner(tx, organizationId, cause.learnerId) : undefined;
  if (awarded) learners.push(awarded);
  return new Map(
    awards.map((award) => {
      const email = award.recipient.email.toLowerCase();
      return [award.id, learners.filter((learner) => learner.email?.toLowerCase() === email || learner.id === cause?.learnerId)];
    }),
  );
}

export interface BadgeEventLogOptions {
  publicUrl: string;
  /** The organisation's active rules (the rules engine's cache; bound late, as it is built after the award service). */
  rulesOf: (db: Db, organizationId: string) => Promise<CompiledRules>;
  observer?: DecisionObserver;
}

/**
 * Records Laurel's own awards and revocations — by the rules, by hand, by bulk issue — as
 * `org.openedx.learning.badge.awarded.v1` / `…revoked.v1` events in the organisation's event log,
 * in the transaction that makes the change (outbox): so badge classes can require other badges
 * (meta-badges, pathways). Each event carries openedx-events `BadgeData` (`template.uuid` the badge
 * class id, `template.origin` `laurel`) and its place in the chain of badge events, which the
 * processor bounds. As with events from outside, one that no active rule concerns (the rule index
 * tells from the event alone) is recorded decided; the others get the job that evaluates them.
 * Without meta-badges that is every one, and an award costs no second job.
 */
export class BadgeEventLog implements AwardListener {
  constructor(private readonly options: BadgeEventLogOptions) {}

  async awarded(tx: Db, awards: readonly AwardRecord[], badgeClass: { version: BadgeTemplate }): Promise<void> {
    await this.#record(tx, 'awarded', awards, badgeClass.version);
  }

  async revoked(tx: Db, award: AwardRecord): Promise<void> {
    const version = await findVersion(tx, award.badgeClassId, award.badgeClassVersion);
    if (!version) throw new Error(`badge class ${award.badgeClassId} version ${award.badgeClassVersion} of award ${award.id} not found`);
    await this.#record(tx, 'revoked', [award], version);
  }

  async #record(tx: Db, kind: Kind, awards: readonly AwardRecord[], template: BadgeTemplate): Promise<void> {
    const organizationId = awards[0]?.organizationId;
    if (organizationId === undefined) return;
    const cause = causes.getStore();
    const [learnersByAward, index] = await Promise.all([learnersOf(tx, organizationId, awards, cause), this.#ruleIndex(tx, organizationId)]);
    const events: NewEvent[] = awards.flatMap((award) =>
      (learnersByAward.get(award.id) ?? []).map((learner) => {
        const event = this.#event(kind, award, learner, template);
        return { learnerId: learner.id, event, causedBy: cause?.eventId ?? null, depth: (cause?.depth ?? 0) + 1, skippedByIndex: index && skippedWhollyByIndex(index, event) };
      }),
    );
    const { added } = await appendEvents(tx, organizationId, events);
    const toEvaluate = added.filter((one) => one.skippedByIndex === undefined).map((one) => one.id);
    if (toEvaluate.length > 0) await enqueue(tx, processEventsJob, { eventIds: toEvaluate } satisfies ProcessEventsPayload, { organizationId });
    // Counted before the change commits: an award rolled back after this (rarely: a conflict) counts once too many.
    for (let n = toEvaluate.length; n < added.length; n++) this.options.observer?.eventDecided([]);
  }

  /**
   * The organisation's rule index, or undefined when the rules cannot be compiled: awarding must not
   * depend on them, so the badge events then go to the job, which reports what fails. (A database
   * error here has aborted the transaction all the same: the award then fails, as on any other.)
   */
  async #ruleIndex(tx: Db, organizationId: string): Promise<RuleIndex | undefined> {
    try {
      return (await this.options.rulesOf(tx, organizationId)).index;
    } catch {
      return undefined;
    }
  }

  #event(kind: Kind, award: AwardRecord, learner: Learner, template: BadgeTemplate): NormalizedEvent {
    const time = kind === 'awarded' ? award.issuedOn : (award.revokedAt ?? award.issuedOn);
    const badge = badgeDataOf({ award, userId: lmsUserId(learner.externalId) ?? 0, username: learner.username, template, publicUrl: this.options.publicUrl });
    return {
      // One event per award, kind and learner: recording it again finds it already there.
      id: `${award.id}:${kind}:${learner.id}`,
      type: kind === 'awarded' ? openedxTypes.badgeAwarded : openedxTypes.badgeRevoked,
      time: time.toISOString(),
      source: laurelEventSource,
      user: userOf(learner),
      data: { ...badge },
    };
  }
}
