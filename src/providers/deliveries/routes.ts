import { Type } from 'typebox';
import { contextOf } from '../../auth/principal.js';
import type { AwardService } from '../../awards/service.js';
import type { AwardRecord } from '../../awards/store.js';
import type { Api } from '../../http/schemas.js';
import { IdParams, responses } from '../../http/schemas.js';
import type { ProviderDeliveries } from './service.js';

/** `POST /api/v1/awards/{id}/provider/retry`: a failed or waiting delivery goes again, now. */
export function registerDeliveryRoutes(
  app: Api,
  options: { deliveries: ProviderDeliveries; awards: AwardService; present: (awards: readonly AwardRecord[]) => Promise<unknown[]>; wakeWorkers: () => void },
): void {
  app.post(
    '/api/v1/awards/:id/provider/retry',
    {
      config: { auth: 'awards:write' },
      schema: {
        tags: ['Awards'],
        summary: "Retry the award's delivery to its provider",
        description:
          'Queues the delivery again at once: issue if the award is live but the provider has no badge for it, revoke if the award is revoked but the provider still shows it. Answers 202 with the award; 409 when the provider already matches the award or the badge class has no provider.',
        params: IdParams,
        response: responses({ 202: Type.Ref('Award') }),
      },
    },
    async (request, reply) => {
      const context = contextOf(request.principal!, request.id);
      await options.deliveries.retry(context, request.params.id);
      options.wakeWorkers();
      const [award] = await options.present([await options.awards.get(context, request.params.id)]);
      return reply.status(202).send(award);
    },
  );
}
