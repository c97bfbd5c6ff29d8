/**
 * The composition root: builds every service from the configuration and wires them to HTTP routes
 * and job workers. Nothing else creates services or holds process-wide state.
 */
import type { FastifyServerOptions } from 'fastify';
import { registerAuditRoutes } from './audit/routes.js';
import { createAutomation, registerAutomationRoutes, type Automation } from './automation/automation.js';
import { BadgeEventLog } from './automation/badge-events.js';
import { badgeEventOutbox } from './automation/bus-publication.js';
import { createOpenedxBus, type OpenedxBus } from './automation/event-bus.js';
import { ClientService } from './auth/clients/service.js';
import { registerClientRoutes } from './auth/clients/routes.js';
import { registerOAuthRoutes } from './auth/oauth-routes.js';
import { SessionService } from './auth/sessions/service.js';
import { registerSessionRoutes } from './auth/sessions/routes.js';
import { AccessTokens } from './auth/tokens.js';
import { createIssuing, registerIssuingRoutes, type Issuing } from './awards/issuing.js';
import { awardPresenter } from './awards/routes.js';
import { createCatalog, registerCatalogRoutes, type Catalog } from './catalog/catalog.js';
import type { Config } from './config.js';
import { ping, type Db } from './db/database.js';
import { pendingMigrations } from './db/migrate.js';
import { createEventTypeRegistry } from './events/registry.js';
import { registerAuthentication } from './http/authentication.js';
import { registerHealthRoutes, type ReadinessCheck } from './http/health.js';
import { pruneIdempotencyKeys, registerIdempotency } from './http/idempotency.js';
import { Metrics } from './http/metrics.js';
import type { Api } from './http/schemas.js';
import { createHttpServer } from './http/server.js';
import { liveWorkers, queueStats } from './jobs/queue.js';
import { registerJobRoutes } from './jobs/routes.js';
import { JobWorker, type JobHandler, type JobLogger } from './jobs/worker.js';
import { systemClock, type Clock } from './kernel/clock.js';
import type { MasterSecret } from './kernel/secrets.js';
import { resolveIssuingBackend } from './providers/connections/issuing-backend.js';
import { registerConnectionRoutes } from './providers/connections/routes.js';
import { registerCredlyWebhookRoute } from './providers/deliveries/credly-webhooks.js';
import { registerDeliveryRoutes } from './providers/deliveries/routes.js';
import { createProviders, type Providers } from './providers/providers.js';
import { registerTenancyRoutes } from './tenancy/routes.js';
import { version } from './version.js';

/** A worker that has not written a heartbeat for this long is considered gone. */
const workerHeartbeatWindowSeconds = 30;

export interface LaurelOptions {
  config: Config;
  secret: MasterSecret;
  db: Db;
  clock?: Clock;
  /** Overrides the HTTP logger (tests pass `false`). */
  logger?: FastifyServerOptions['logger'];
  /** Run job workers in this process. */
  runWorkers: boolean;
}

export interface Laurel {
  http: Api;
  db: Db;
  services: Services;
  worker: JobWorker | null;
  /** Starts workers (when enabled) and the HTTP listener; resolves to the listening address. */
  start(): Promise<string>;
  /** Graceful stop: no new requests or claims, running jobs finish or are released, then close. */
  stop(): Promise<void>;
}

export interface Services {
  clock: Clock;
  tokens: AccessTokens;
  clients: ClientService;
  sessions: SessionService;
  metrics: Metrics;
  catalog: Catalog;
  issuing: Issuing;
  automation: Automation;
  providers: Providers;
  /** The Open edX event bus, when configured. */
  openedxBus: OpenedxBus | null;
}

/** Every service, built once per process from the configuration. */
export function createServices(options: Pick<LaurelOptions, 'config' | 'db' | 'secret' | 'clock'>): Services {
  const { config, db, secret } = options;
  const clock = options.clock ?? systemClock;
  const catalog = createCatalog({ db, secret, publicUrl: config.publicUrl, clock, resolveIssuingBackend });
  const providers = createProviders({ db, secret, clock, issuing: () => issuing });
  const metrics = new Metrics(() => queueStats(db));
  const badgeEvents = new BadgeEventLog({ publicUrl: config.publicUrl, rulesOf: (tx, organizationId) => automation.rules.rulesOf(tx, organizationId), observer: metrics });
  const issuing = createIssuing({ db, publicUrl: config.publicUrl, clock, catalog, verifyFetchHosts: config.verifyFetchHosts, mail: config.mail, awardListeners: [providers.deliveries.listener, badgeEvents] });
  const onTransition = config.eventBus && badgeEventOutbox(config.eventBus.organizationId);
  const automation = createAutomation({ db, clock, registry: createEventTypeRegistry(), awards: issuing.awards, observer: metrics, onTransition });
  return {
    clock,
    tokens: new AccessTokens(secret, config.publicUrl, config.accessTokenTtlSeconds, clock),
    clients: new ClientService({ db, secret, clock, defaultGraceSeconds: config.secretGraceSeconds }),
    sessions: new SessionService({ db, secret, clock, ttlSeconds: config.sessionTtlSeconds }),
    metrics,
    catalog,
    issuing,
    automation,
    providers,
    openedxBus: config.eventBus
      ? createOpenedxBus({ config: config.eventBus, db, ingestion: automation.ingestion, awards: issuing.awards, publicUrl: config.publicUrl, observer: metrics })
      : null,
  };
}

/** Job handlers of every capability, by kind: the one place a job kind is bound to its code. */
function jobHandlers(services: Services): Record<string, JobHandler> {
  return {
    ...services.issuing.jobHandlers,
    ...services.automation.jobHandlers,
    ...services.openedxBus?.jobHandlers,
    ...services.providers.jobHandlers,
  };
}

/** Processes that run job workers also consume the event bus: what they record, their worker evaluates. */
async function startBusConsumer(services: Services, config: Config, worker: JobWorker, logger: JobLogger): Promise<void> {
  await services.openedxBus?.startConsuming({ consumer: worker.id, claimIdleMs: config.workerLeaseSeconds * 1000, log: logger, recorded: () => worker.wake() });
}

function createWorker(db: Db, config: Config, services: Services, logger: JobLogger): JobWorker {
  return new JobWorker({
    db,
    handlers: jobHandlers(services),
    concurrency: config.workerConcurrency,
    leaseMs: config.workerLeaseSeconds * 1000,
    clock: services.clock,
    logger,
    observer: services.metrics,
    maintenance: [
      function pruneSessions(maintenanceDb) {
        return services.sessions.prune(maintenanceDb);
      },
      function pruneIdempotency(maintenanceDb) {
        return pruneIdempotencyKeys(maintenanceDb, services.clock.now());
      },
    ],
  });
}

/** `laurel worker`: job workers only, no HTTP listener (for scaling work out on PostgreSQL). */
export function createWorkerProcess(
  options: Pick<LaurelOptions, 'config' | 'db' | 'secret' | 'clock'>,
  logger: JobLogger,
): { worker: JobWorker; start(): Promise<void>; stop(timeoutMs: number): Promise<void> } {
  const services = createServices(options);
  const worker = createWorker(options.db, options.config, services, logger);
  return {
    worker,
    async start() {
      await worker.start();
      await startBusConsumer(services, options.config, worker, logger);
    },
    async stop(timeoutMs) {
      await Promise.all([services.openedxBus?.stopConsuming(), worker.stop(timeoutMs)]);
      await services.issuing.close();
      await services.openedxBus?.close();
    },
  };
}

export async function createLaurel(options: LaurelOptions): Promise<Laurel> {
  const { config, db } = options;
  const services = createServices(options);
  const { tokens, clients, sessions, metrics } = services;
  // Loaded only when configured: it is a noticeable part of start-up time otherwise.
  const redis = config.redisUrl
    ? new (await import('ioredis')).Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  redis?.on('error', () => undefined);

  const http = await createHttpServer({ config, version, redis, logger: options.logger });
  const logger: JobLogger = http.log;
  const worker = options.runWorkers ? createWorker(db, config, services, logger) : null;

  registerAuthentication(http, { tokens, clients, sessions });
  registerIdempotency(http, db, services.clock);
  metrics.instrument(http);

  let migrationsCurrent = false;
  const checks: ReadinessCheck[] = [
    { name: 'database', run: async () => (await ping(db), null) },
    {
      name: 'migrations',
      run: async () => {
        if (migrationsCurrent) return null;
        const pending = await pendingMigrations(db);
        migrationsCurrent = pending.length === 0;
        return migrationsCurrent ? null : `pending: ${pending.join(', ')} (run \`laurel migrate\`)`;
      },
    },
    {
      name: 'workers',
      run: async () =>
        (await liveWorkers(db, workerHeartbeatWindowSeconds)) > 0
          ? null
          : `no job worker heartbeat in the last ${workerHeartbeatWindowSeconds} s; run \`laurel worker\` or set LAUREL_SERVE_WORKERS=true`,
    },
  ];
  registerHealthRoutes(http, checks, metrics);
  registerOAuthRoutes(http, clients, tokens);
  registerSessionRoutes(http, sessions, config.publicUrl.startsWith('https:'));
  registerTenancyRoutes(http, db);
  registerClientRoutes(http, clients);
  registerAuditRoutes(http, db);
  registerJobRoutes(http, db, () => worker?.wake());
  registerCatalogRoutes(http, services.catalog);
  const { providers } = services;
  registerIssuingRoutes(http, services.issuing, { publicUrl: config.publicUrl, clock: services.clock, db, wakeWorkers: () => worker?.wake(), providerStatuses: providers.providerStatuses });
  registerAutomationRoutes(http, services.automation, { wakeWorkers: () => worker?.wake() });
  registerConnectionRoutes(http, providers.connections, { clock: services.clock, wakeWorkers: () => worker?.wake() });
  registerDeliveryRoutes(http, {
    deliveries: providers.deliveries,
    awards: services.issuing.awards,
    present: awardPresenter({ publicUrl: config.publicUrl, clock: services.clock, catalog: services.issuing.catalog, providerStatuses: providers.providerStatuses }),
    wakeWorkers: () => worker?.wake(),
  });
  registerCredlyWebhookRoute(http, { db, wakeWorkers: () => worker?.wake() });

  return {
    http,
    db,
    services,
    worker,
    async start() {
      if (worker) {
        await worker.start();
        await startBusConsumer(services, options.config, worker, logger);
      }
      return http.listen({ host: config.host, port: config.port });
    },
    async stop() {
      const timeoutMs = config.shutdownTimeoutSeconds * 1000;
      await Promise.all([http.close(), services.openedxBus?.stopConsuming(), worker?.stop(timeoutMs)]);
      await services.issuing.close();
      await services.openedxBus?.close();
      redis?.disconnect();
    },
  };
}
