import { Type } from 'typebox';
import type { Api } from './schemas.js';
import type { Metrics } from './metrics.js';

export interface ReadinessCheck {
  name: string;
  /** Resolves to null when healthy, or to a short reason when not. */
  run(): Promise<string | null>;
}

const CheckResult = Type.Object({ name: Type.String(), ok: Type.Boolean(), reason: Type.Optional(Type.String()) });

/** Probes for orchestrators and Prometheus; public, and exempt from rate limits. */
export function registerHealthRoutes(app: Api, checks: ReadinessCheck[], metrics: Metrics): void {
  const config = { auth: 'public' as const, rateLimit: false as const };
  const tags = ['Operations'];

  app.get('/healthz', { config, schema: { tags, summary: 'Liveness: the process answers', security: [], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/readyz',
    {
      config,
      schema: {
        tags,
        summary: 'Readiness: database reachable, migrations current, workers heartbeating',
        security: [],
        response: { '2xx': Type.Object({ status: Type.String(), checks: Type.Array(CheckResult) }), 503: Type.Object({ status: Type.String(), checks: Type.Array(CheckResult) }) },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(
        checks.map(async (check) => {
          let reason: string | null;
          try {
            reason = await check.run();
          } catch (error) {
            reason = error instanceof Error ? error.message : String(error);
          }
          return reason === null ? { name: check.name, ok: true } : { name: check.name, ok: false, reason };
        }),
      );
      const ready = results.every((result) => result.ok);
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
    },
  );

  app.get('/metrics', { config, schema: { tags, summary: 'Prometheus metrics', security: [] } }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
