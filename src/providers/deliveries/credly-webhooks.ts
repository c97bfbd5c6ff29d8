import { Type } from 'typebox';
import { systemContext, type OperationContext } from '../../auth/principal.js';
import type { AwardRecord } from '../../awards/store.js';
import { inTransaction, type Db } from '../../db/database.js';
import type { Api } from '../../http/schemas.js';
import { responses } from '../../http/schemas.js';
import { PermanentJobError } from '../../jobs/errors.js';
import { enqueue, type Job } from '../../jobs/queue.js';
import type { Clock } from '../../kernel/clock.js';
import { notFound } from '../../kernel/errors.js';
import { CredlyAdapter, type CredlyWebhookEvent } from '../credly/adapter.js';
import type { ConnectionService } from '../connections/service.js';
import { findConnectionById } from '../connections/store.js';
import { markTemplateDeleted, upsertTemplate } from '../connections/templates.js';
import { findDeliveryByExternalId, updateDeliveryState } from './store.js';

export const credlyWebhookJob = 'provider.credly_webhook';

interface WebhookPayload {
  connectionId: string;
  eventId: string;
}

/** Credly's notification: a hint naming an event, believed only once Credly serves that event to us. */
const Notification = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  organization_id: Type.Optional(Type.String({ maxLength: 200 })),
  event_type: Type.Optional(Type.String({ maxLength: 200 })),
  occurred_at: Type.Optional(Type.String({ maxLength: 100 })),
});

const ConnectionParams = Type.Object({ connectionId: Type.String({ maxLength: 100 }) });

export interface CredlyWebhooksOptions {
  db: Db;
  clock: Clock;
  connections: ConnectionService;
  /** Revokes an award that was revoked on Credly (the awards capability, as the system). */
  revokeAward(context: OperationContext, awardId: string, reason: string): Promise<AwardRecord>;
}

/**
 * `POST /webhooks/credly/{connectionId}` answers as soon as the notification is stored as a job
 * (Credly retries anything slow or non-2xx); the job fetches the event with the connection's own
 * credentials and keeps templates and award deliveries true to it.
 */
export function registerCredlyWebhookRoute(app: Api, options: Pick<CredlyWebhooksOptions, 'db'> & { wakeWorkers: () => void }): void {
  app.post(
    '/webhooks/credly/:connectionId',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['Webhooks'],
        summary: 'Credly webhook notifications for one connection',
        description:
          "Configure this URL as the Credly organisation's webhook. The body is only a hint: Laurel fetches the event from Credly with the connection's credentials before acting on it. Unknown connections answer 404.",
        security: [],
        params: ConnectionParams,
        body: Notification,
        response: responses({ 200: Type.Object({ received: Type.Boolean() }) }),
      },
    },
    async (request) => {
      const { connectionId } = request.params;
      await inTransaction(options.db, async (tx) => {
        const connection = await findConnectionById(tx, connectionId);
        if (!connection || connection.provider !== 'credly') throw notFound('Connection');
        await enqueue(tx, credlyWebhookJob, { connectionId, eventId: request.body.id } satisfies WebhookPayload, { organizationId: connection.organizationId });
      });
      options.wakeWorkers();
      return { received: true };
    },
  );
}

/** The `provider.credly_webhook` job. */
export function credlyWebhookHandler(options: CredlyWebhooksOptions) {
  return async (job: Job): Promise<void> => {
    const { connectionId, eventId } = job.payload as WebhookPayload;
    const connection = await findConnectionById(options.db, connectionId);
    if (!connection) return;
    const adapter = options.connections.adapter(connection);
    if (!(adapter instanceof CredlyAdapter)) throw new PermanentJobError(`connection ${connectionId} is not a Credly connection`);
    const event = await adapter.fetchWebhookEvent(eventId);
    await applyEvent(options, connection.organizationId, connectionId, event);
  };
}

async function applyEvent(options: CredlyWebhooksOptions, organizationId: string, connectionId: string, event: CredlyWebhookEvent): Promise<void> {
  const { db, clock } = options;
  const now = clock.now();
  if (event.eventType.startsWith('badge_template.') && event.template) {
    const template = event.template;
    if (event.eventType === 'badge_template.deleted') await markTemplateDeleted(db, connectionId, template.externalId, now);
    else await upsertTemplate(db, connectionId, template, now);
    return;
  }
  if (!event.eventType.startsWith('badge.') || !event.badge) return;
  // Badges issued on Credly outside Laurel have no delivery and are none of Laurel's business.
  const delivery = await findDeliveryByExternalId(db, connectionId, event.badge.externalId);
  if (!delivery) return;
  await updateDeliveryState(db, delivery.awardId, { state: event.badge.state, providerState: event.badge.providerState, url: event.badge.url }, now);
  if (event.badge.state === 'revoked') {
    // Revoked on Credly by an administrator: the award is revoked everywhere, with Credly as the reason.
    await options.revokeAward(systemContext(organizationId, 'credly-webhook'), delivery.awardId, `Revoked on Credly (event ${event.id}).`);
  }
}
