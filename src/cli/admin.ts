import { ClientService } from '../auth/clients/service.js';
import { findClientById, type ApiClient } from '../auth/clients/store.js';
import { isScope, scopes, type Scope } from '../auth/scopes.js';
import { describeConfig } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { systemClock } from '../kernel/clock.js';
import { cliContext, initializeOrganization } from '../tenancy/initialize.js';
import { CliError, loadConfigOrExit, openRuntime, organizationNamed, printJson, type Runtime } from './runtime.js';
import { openConfiguredDatabase } from '../bootstrap.js';

/** Runs `work` with an open runtime and always closes the database afterwards. */
async function withRuntime<T>(work: (runtime: Runtime, clients: ClientService) => Promise<T>): Promise<T> {
  const runtime = await openRuntime({ migrate: true });
  try {
    const clients = new ClientService({ db: runtime.database.db, secret: runtime.secret, clock: systemClock, defaultGraceSeconds: runtime.config.secretGraceSeconds });
    return await work(runtime, clients);
  } finally {
    await runtime.database.close();
  }
}

export async function migrate(): Promise<void> {
  const config = loadConfigOrExit();
  const database = await openConfiguredDatabase(config);
  try {
    const { applied } = await migrateToLatest(database.db);
    console.log(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
  } finally {
    await database.close();
  }
}

export function configCheck(options: { json?: boolean }): void {
  const config = loadConfigOrExit();
  if (options.json) return printJson(describeConfig(config));
  console.log('Configuration is valid:');
  for (const [key, value] of Object.entries(describeConfig(config))) console.log(`  ${key}: ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`);
}

export async function init(options: { org: string; adminEmail: string; adminName?: string; rotateSecret?: boolean; json?: boolean }): Promise<void> {
  if (!options.org.trim()) throw new CliError('--org must not be empty', 2);
  if (!/^[^\s@]+@[^\s@]+$/.test(options.adminEmail)) throw new CliError(`--admin-email "${options.adminEmail}" is not an e-mail address`, 2);
  const result = await withRuntime((runtime, clients) =>
    initializeOrganization(runtime.database.db, clients, {
      organizationName: options.org,
      adminEmail: options.adminEmail,
      adminName: options.adminName,
      rotateSecret: options.rotateSecret,
    }),
  );
  if (options.json) return printJson(result);
  const { organization, admin, client } = result;
  console.log(`Organisation: ${organization.name} (${organization.id})${organization.created ? '' : ' — already existed'}`);
  console.log(`Admin: ${admin.email} (${admin.role})${admin.oneTimePassword ? `, one-time password: ${admin.oneTimePassword}` : ' — already a member'}`);
  console.log(`API client: ${client.client_id}${client.client_secret ? `, secret: ${client.client_secret}` : ' — secret shown when it was created (use --rotate-secret for a new one)'}`);
  if (admin.oneTimePassword || client.client_secret) console.log('These secrets are shown only now.');
}

function parseScopes(list: string | undefined): Scope[] {
  if (!list) return [...scopes];
  const requested = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = requested.filter((s) => !isScope(s));
  if (unknown.length > 0) throw new CliError(`unknown scope(s): ${unknown.join(', ')}; known: ${scopes.join(', ')}`, 2);
  return requested as Scope[];
}

function parseGrace(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!match) throw new CliError(`--grace "${value}" is not a duration like 0, 30m, 24h or 7d`, 2);
  return Number(match[1]) * ({ s: 1, m: 60, h: 3600, d: 86400 }[match[2] || 's'] ?? 1);
}

const describeClient = (client: ApiClient) =>
  `${client.id}  ${client.name}  [${client.scopes.join(' ')}]${client.revokedAt ? `  revoked ${client.revokedAt.toISOString()}` : ''}`;

async function clientById(runtime: Runtime, id: string): Promise<ApiClient> {
  const client = await findClientById(runtime.database.db, id);
  if (!client) throw new CliError(`no API client with id "${id}"`);
  return client;
}

export const clientCommands = {
  async create(options: { org: string; name: string; scopes?: string; json?: boolean }): Promise<void> {
    const requested = parseScopes(options.scopes);
    const created = await withRuntime(async (runtime, clients) => {
      const organization = await organizationNamed(runtime.database.db, options.org);
      return clients.create(cliContext(organization.id), { name: options.name, scopes: requested });
    });
    if (options.json) return printJson({ client_id: created.client.id, client_secret: created.clientSecret, name: created.client.name, scopes: created.client.scopes });
    console.log(`Created ${describeClient(created.client)}`);
    console.log(`client_secret: ${created.clientSecret}  (shown only now)`);
  },

  async list(options: { org: string; json?: boolean }): Promise<void> {
    const items = await withRuntime(async (runtime, clients) => {
      const organization = await organizationNamed(runtime.database.db, options.org);
      const all: ApiClient[] = [];
      let after: string | undefined;
      do {
        const page = await clients.list(cliContext(organization.id), after, 200);
        all.push(...page.items);
        after = page.nextCursor ?? undefined;
      } while (after);
      return all;
    });
    if (options.json) return printJson(items);
    if (items.length === 0) console.log('No API clients.');
    for (const client of items) console.log(describeClient(client));
  },

  async rotate(id: string, options: { grace?: string; json?: boolean }): Promise<void> {
    const graceSeconds = parseGrace(options.grace);
    const rotated = await withRuntime(async (runtime, clients) => {
      const client = await clientById(runtime, id);
      return clients.rotate(cliContext(client.organizationId), id, graceSeconds);
    });
    if (options.json) return printJson({ client_id: rotated.client.id, client_secret: rotated.clientSecret, previous_secrets_expire_at: rotated.previousSecretsExpireAt });
    console.log(`New client_secret for ${id}: ${rotated.clientSecret}  (shown only now)`);
    console.log(`Previous secrets stop working at ${rotated.previousSecretsExpireAt.toISOString()}.`);
  },

  async revoke(id: string, options: { json?: boolean }): Promise<void> {
    const revoked = await withRuntime(async (runtime, clients) => {
      const client = await clientById(runtime, id);
      return clients.revoke(cliContext(client.organizationId), id);
    });
    if (options.json) return printJson(revoked);
    console.log(`Revoked ${describeClient(revoked)}`);
  },
};
