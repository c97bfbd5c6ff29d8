import { recordAudit } from '../../audit/store.js';
import type { OperationContext } from '../../auth/principal.js';
import type { AwardListener, IssuingCatalog } from '../../awards/ports.js';
import { findAward, type AwardRecord } from '../../awards/store.js';
import { inTransaction, type Db } from '../../db/database.js';
import { PermanentJobError, RetryLaterError } from '../../jobs/errors.js';
import { enqueue, enqueueMany, type Job } from '../../jobs/queue.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import type { IssueRequest } from '../adapter.js';
import type { ConnectionService } from '../connections/service.js';
import { findConnection } from '../connections/store.js';
import { findTemplate } from '../connections/templates.js';
import { providerRecipient } from './recipient.js';
import { claimDelivery, deliveriesOf, findDelivery, insertDeliveries, resetDeliveryError, settleDelivery, type Delivery, type DeliveryChanges } from './store.js';

/** The job that brings a provider in line with one award: issue while awarded, revoke once revoked. */
export const deliverAwardJob = 'provider.deliver';

/**
 * Provider jobs outlast any outage: at the one-hour backoff ceiling this is about six weeks of
 * retrying. Refusals (4xx) still fail at once; a delivery that runs out shows `error`.
 */
const deliveryMaxAttempts = 1_000;

/** Longer than a provider call can take (timeouts are seconds), so a live attempt keeps its claim. */
const claimLeaseMs = 5 * 60_000;

/** When another worker holds the claim, look again soon. */
const busyRetryMs = 5_000;

interface DeliverPayload {
  awardId: string;
}

export interface ProviderDeliveriesOptions {
  db: Db;
  clock: Clock;
  connections: ConnectionService;
  catalog: Pick<IssuingCatalog, 'badgeClassVersion'>;
}

/**
 * Delivery of awards to Credly and Accredible. Every award of a provider-backed badge class gets
 * a delivery row and a job in the transaction that makes it; revoking the award queues the job
 * again. The job reconciles: it never issues twice (an attempt after one whose outcome is unknown
 * looks the badge up first) and never talks to the provider about one award from two workers.
 */
export class ProviderDeliveries {
  constructor(private readonly options: ProviderDeliveriesOptions) {}

  readonly listener: AwardListener = {
    awarded: async (tx, awards, badgeClass) => {
      const backend = badgeClass.badgeClass.issuingBackend;
      if (!backend) return;
      await insertDeliveries(
        tx,
        awards.map((award) => ({ awardId: award.id, organizationId: award.organizationId, connectionId: backend.connectionId, templateId: backend.templateId })),
      );
      await enqueueMany(
        tx,
        awards.map((award) => ({ kind: deliverAwardJob, payload: { awardId: award.id } satisfies DeliverPayload, organizationId: award.organizationId, maxAttempts: deliveryMaxAttempts })),
      );
    },
    revoked: async (tx, award) => {
      if (await findDelivery(tx, award.id)) await this.#enqueue(tx, award);
    },
  };

  /** The provider side of these awards, for presenting them. */
  ofAwards(awardIds: readonly string[]): Promise<Map<string, Delivery>> {
    return deliveriesOf(this.options.db, awardIds);
  }

  /** The `provider.deliver` job. */
  async deliver(job: Job): Promise<void> {
    const { awardId } = job.payload as DeliverPayload;
    await this.attempt(awardId, { lastAttempt: job.attempts >= job.maxAttempts });
  }

  /**
   * One attempt to bring the provider in line with the award. Throws the provider's error,
   * classified for the job worker; `lastAttempt` turns a retryable failure into `error` too.
   */
  async attempt(awardId: string, options: { lastAttempt: boolean }): Promise<void> {
    const { db, clock } = this.options;
    const claimed = await claimDelivery(db, awardId, clock.now(), claimLeaseMs);
    if (!claimed) {
      if (await findDelivery(db, awardId)) throw new RetryLaterError(busyRetryMs, `award ${awardId} is being delivered by another worker`);
      return;
    }
    try {
      const changes = await this.#reconcile(claimed);
      await settleDelivery(db, awardId, { ...changes, error: null }, clock.now());
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const givingUp = error instanceof PermanentJobError || options.lastAttempt;
      // Once the provider holds the badge its state stays what it is; `error` says it never got there.
      const state = givingUp && claimed.externalId === null ? ('error' as const) : undefined;
      await settleDelivery(db, awardId, { error: message, state }, clock.now());
      throw error;
    }
  }

  /**
   * Retries a delivery that failed or is still waiting (API and CLI). Answers 409 when the
   * provider already matches the award.
   */
  async retry(context: OperationContext, awardId: string): Promise<Delivery> {
    return inTransaction(this.options.db, async (tx) => {
      const award = await findAward(tx, context.organizationId, awardId);
      if (!award) throw notFound('Award');
      const delivery = await findDelivery(tx, awardId);
      if (!delivery) throw new AppError('conflict', `Award ${awardId} is not delivered through a provider.`);
      if (!needsWork(award, delivery)) {
        throw new AppError('conflict', `Nothing to retry: the provider already has award ${awardId} as ${award.status === 'revoked' ? 'revoked' : delivery.state}.`);
      }
      const now = this.options.clock.now();
      await resetDeliveryError(tx, awardId, now);
      const jobId = await this.#enqueue(tx, award);
      await recordAudit(tx, context, { action: 'award.provider_retry', target: { type: 'award', id: awardId }, details: { jobId, connectionId: delivery.connectionId } });
      return (await findDelivery(tx, awardId))!;
    });
  }

  #enqueue(tx: Db, award: AwardRecord): Promise<string> {
    return enqueue(tx, deliverAwardJob, { awardId: award.id } satisfies DeliverPayload, { organizationId: award.organizationId, maxAttempts: deliveryMaxAttempts });
  }

  /** What one attempt changed; throws the provider's error, classified for the worker. */
  async #reconcile(delivery: Delivery): Promise<DeliveryChanges> {
    const { db, connections, catalog } = this.options;
    const award = await findAward(db, delivery.organizationId, delivery.awardId);
    const connection = await findConnection(db, delivery.organizationId, delivery.connectionId);
    const template = await findTemplate(db, delivery.connectionId, delivery.templateId);
    if (!award || !connection || !template) throw new PermanentJobError(`award ${delivery.awardId}, its connection or its template no longer exists`);
    if (!needsWork(award, delivery)) return {};
    const adapter = connections.adapter(connection);
    const version = await catalog.badgeClassVersion(award.badgeClassId, award.badgeClassVersion);
    const request: IssueRequest = {
      awardId: award.id,
      templateExternalId: template.externalId,
      recipient: providerRecipient(award.recipient.email, award.recipient.name),
      issuedAt: award.issuedOn,
      expiresAt: award.expiresOn,
      ...(version?.version.language && { locale: version.version.language }),
    };
    // An earlier attempt may have reached the provider before its answer was lost.
    let badge = delivery.externalId === null && delivery.attempts > 1 ? await adapter.findExisting(request) : null;
    if (award.status === 'awarded') {
      badge ??= await adapter.issue(request);
    } else {
      const externalId = badge?.externalId ?? delivery.externalId;
      // Revoked before it ever reached the provider: there is nothing to take back there.
      if (externalId === null) return { state: 'revoked', providerState: null };
      // Accredible revokes by expiring or deleting; either way the badge is revoked as Laurel sees it.
      const revoked = await adapter.revoke(externalId, award.revocationReason ?? 'Revoked');
      return { externalId: revoked.externalId, state: 'revoked', providerState: revoked.providerState, url: revoked.url };
    }
    return { externalId: badge.externalId, state: badge.state, providerState: badge.providerState, url: badge.url };
  }
}

/** Whether the provider still has to catch up with the award. */
function needsWork(award: AwardRecord, delivery: Delivery): boolean {
  if (award.status === 'awarded') return delivery.externalId === null;
  return delivery.state !== 'revoked';
}
