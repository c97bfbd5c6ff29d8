import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { systemContext } from '../auth/principal.js';
import type { AwardService } from '../awards/service.js';
import { findVersion } from '../catalog/badge-classes/store.js';
import type { Db } from '../db/database.js';
import { publishBadgeEvent, type ProducerOptions } from '../events/openedx/producer.js';
import { PermanentJobError } from '../jobs/errors.js';
import { enqueue } from '../jobs/queue.js';
import type { JobHandler } from '../jobs/worker.js';
import { badgeDataOf, lmsUserId } from './badge-data.js';
import { findLearner } from './learner-store.js';
import type { TransitionListener } from './processor.js';

/** Job kind that announces a rule award or revocation on the Open edX event bus. */
export const publishBadgeEventJob = 'openedx.badge.publish';

interface PublishBadgeEventPayload {
  kind: 'awarded' | 'revoked';
  /** Chosen when enqueued, so every retry publishes the same event id and consumers can de-duplicate. */
  eventId: string;
  awardId: string;
  learnerId: string;
}

/**
 * Enqueues the announcement of each award or revocation the rules carry out for the bus
 * organisation, in the transaction that carries it out. Other organisations' awards are not the
 * LMS's business and must not leak onto its bus.
 */
export function badgeEventOutbox(organizationId: string): TransitionListener {
  return async (tx, transition) => {
    if (transition.organizationId !== organizationId) return;
    const payload: PublishBadgeEventPayload = {
      kind: transition.kind === 'award' ? 'awarded' : 'revoked',
      eventId: randomUUID(),
      awardId: transition.awardId,
      learnerId: transition.learnerId,
    };
    await enqueue(tx, publishBadgeEventJob, payload, { organizationId });
  };
}

export interface BadgeEventPublisherOptions {
  db: Db;
  awards: AwardService;
  publicUrl: string;
  redis: () => Promise<Redis>;
  producer: ProducerOptions;
}


/** The `openedx.badge.publish` job: builds openedx-events `BadgeData` from the award and its learner, then publishes it. */
export function badgeEventPublisher(options: BadgeEventPublisherOptions): JobHandler {
  return async (job) => {
    const payload = job.payload as PublishBadgeEventPayload;
    const organizationId = job.organizationId;
    if (organizationId === null) throw new PermanentJobError(`${publishBadgeEventJob} job ${job.id} belongs to no organisation`);
    const award = await options.awards.get(systemContext(organizationId, 'event-bus'), payload.awardId);
    const learner = await findLearner(options.db, organizationId, payload.learnerId);
    if (!learner) throw new PermanentJobError(`learner ${payload.learnerId} of award ${award.id} not found`);
    const userId = lmsUserId(learner.externalId);
    if (userId === undefined) {
      throw new PermanentJobError(
        `cannot publish badge ${payload.kind} for award ${award.id}: learner ${learner.id} is "${learner.externalId}" from ${learner.source}, not a numeric Open edX LMS user id`,
      );
    }
    const time = payload.kind === 'awarded' ? award.issuedOn : award.revokedAt;
    if (time === null) throw new PermanentJobError(`award ${award.id} is not revoked, so its revocation cannot be published`);
    const version = await findVersion(options.db, award.badgeClassId, award.badgeClassVersion);
    if (!version) throw new PermanentJobError(`badge class ${award.badgeClassId} version ${award.badgeClassVersion} of award ${award.id} not found`);
    const badge = badgeDataOf({ award, userId, username: learner.username, template: version, publicUrl: options.publicUrl });
    await publishBadgeEvent(await options.redis(), options.producer, { kind: payload.kind, id: payload.eventId, time, badge });
  };
}
