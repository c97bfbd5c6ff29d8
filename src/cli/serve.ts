import { initializeOrganization } from '../tenancy/initialize.js';
import { ClientService } from '../auth/clients/service.js';
import { systemClock } from '../kernel/clock.js';
import { createLogger, openRuntime, type Runtime } from './runtime.js';

/** Runs `stop` once on the first SIGTERM/SIGINT, then exits; a second signal exits at once. */
function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`laurel: ${signal} received, shutting down…\n`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('laurel: error during shutdown:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/**
 * On the very first start (no organisation yet) Laurel sets itself up so a newcomer can sign in
 * straight away: the same as `laurel init`, named by LAUREL_INIT_ORG / LAUREL_INIT_ADMIN_EMAIL.
 */
async function firstRunSetup(runtime: Runtime): Promise<string[]> {
  const { db } = runtime.database;
  const any = await db.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
  if (any) return [];
  const clients = new ClientService({ db, secret: runtime.secret, clock: systemClock, defaultGraceSeconds: runtime.config.secretGraceSeconds });
  const result = await initializeOrganization(db, clients, runtime.config.firstRun);
  return [
    `First start: created organisation "${result.organization.name}" (${result.organization.id}).`,
    `  Sign in as ${result.admin.email} with the one-time password ${result.admin.oneTimePassword} (shown only now; you will be asked to change it).`,
    `  API client: client_id=${result.client.client_id} client_secret=${result.client.client_secret} (shown only now)`,
  ];
}

export async function serve(): Promise<void> {
  // Load the application while the database opens: both take a noticeable part of start-up.
  const [runtime, { createLaurel }] = await Promise.all([openRuntime({ migrate: true }), import('../app.js')]);
  const { config } = runtime;
  const setupLines = await firstRunSetup(runtime);
  const laurel = await createLaurel({ config, secret: runtime.secret, db: runtime.database.db, runWorkers: config.serveWorkers });
  onShutdownSignal(async () => {
    await laurel.stop();
    await runtime.database.close();
  });
  await laurel.start();
  const lines = [
    `Laurel listening on ${config.publicUrl} (bound to ${config.host}:${config.port}), database: ${runtime.database.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL'}`,
    ...(runtime.secretGenerated ? [`Generated a master secret in ${config.dataDir}/secret; keep it safe (set LAUREL_SECRET to share it between processes).`] : []),
    ...setupLines,
    `  API docs: ${config.publicUrl}/api/docs · token: POST ${config.publicUrl}/oauth/token · sign in: POST ${config.publicUrl}/api/v1/session`,
    `  More organisations and logins: \`npx laurel init --org "Name" --admin-email you@example.org\` (stop the server first when using the embedded database).`,
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

export async function work(): Promise<void> {
  const [runtime, { createWorkerProcess }] = await Promise.all([openRuntime({ migrate: false }), import('../app.js')]);
  const { worker, start, stop } = createWorkerProcess({ config: runtime.config, secret: runtime.secret, db: runtime.database.db }, createLogger(runtime.config));
  onShutdownSignal(async () => {
    await stop(runtime.config.shutdownTimeoutSeconds * 1000);
    await runtime.database.close();
  });
  await start();
  process.stderr.write(`laurel worker ${worker.id} running (${runtime.config.workerConcurrency} jobs at once)\n`);
}
