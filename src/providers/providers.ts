import type { Issuing } from '../awards/issuing.js';
import type { ProviderStatusLookup } from '../awards/ports.js';
import type { Db } from '../db/database.js';
import type { JobHandler } from '../jobs/worker.js';
import type { Clock } from '../kernel/clock.js';
import type { MasterSecret } from '../kernel/secrets.js';
import { ConnectionService, syncTemplatesJob } from './connections/service.js';
import { credlyWebhookHandler, credlyWebhookJob } from './deliveries/credly-webhooks.js';
import { deliverAwardJob, ProviderDeliveries } from './deliveries/service.js';

/** Connections to Credly and Accredible, and the delivery of awards through them. */
export interface Providers {
  connections: ConnectionService;
  deliveries: ProviderDeliveries;
  providerStatuses: ProviderStatusLookup;
  jobHandlers: Record<string, JobHandler>;
}

/**
 * Awards hear of providers (a listener makes deliveries) and deliveries act on awards (revoking
 * what Credly revoked), so issuing is reached through `issuing()`, which is only called once
 * both exist.
 */
export function createProviders(options: { db: Db; secret: MasterSecret; clock: Clock; issuing: () => Issuing }): Providers {
  const { db, clock } = options;
  const connections = new ConnectionService({ db, secret: options.secret, clock });
  const deliveries = new ProviderDeliveries({
    db,
    clock,
    connections,
    catalog: { badgeClassVersion: (badgeClassId, version) => options.issuing().catalog.badgeClassVersion(badgeClassId, version) },
  });
  const webhooks = credlyWebhookHandler({ db, clock, connections, revokeAward: (context, awardId, reason) => options.issuing().awards.revoke(context, awardId, reason) });
  return {
    connections,
    deliveries,
    providerStatuses: (awardIds) => deliveries.ofAwards(awardIds),
    jobHandlers: {
      [syncTemplatesJob]: (job) => connections.syncTemplates(job.payload),
      [deliverAwardJob]: (job) => deliveries.deliver(job),
      [credlyWebhookJob]: webhooks,
    },
  };
}
