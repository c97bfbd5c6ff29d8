import { readFileSync } from 'node:fs';
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { BootstrapError, openConfiguredDatabase, resolveMasterSecret } from '../bootstrap.js';
import type { Db, OpenedDatabase } from '../db/database.js';
import { migrateToLatest, pendingMigrations } from '../db/migrate.js';
import { AppError } from '../kernel/errors.js';
import type { Services } from '../app.js';
import { systemClock } from '../kernel/clock.js';
import type { MasterSecret } from '../kernel/secrets.js';
import { findOrganizationByIdOrName, type Organization } from '../tenancy/organizations.js';

/** A failure the operator can act on: printed as one line, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Runtime {
  config: Config;
  secret: MasterSecret;
  secretGenerated: boolean;
  database: OpenedDatabase;
}

/** Configuration, master secret and database, with migrations applied or verified. */
export async function openRuntime(options: { migrate: boolean }): Promise<Runtime> {
  const config = loadConfigOrExit();
  const { secret, generated } = resolveMasterSecret(config);
  const database = await openConfiguredDatabase(config);
  try {
    if (options.migrate) {
      await migrateToLatest(database.db);
    } else {
      const pending = await pendingMigrations(database.db);
      if (pending.length > 0) throw new CliError(`the database needs migrations (${pending.join(', ')}); run \`laurel migrate\` first.`);
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  return { config, secret, secretGenerated: generated, database };
}

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`configuration error: ${error.message}`, 2);
    throw error;
  }
}

export function createLogger(config: Config): pino.Logger {
  return pino({ level: config.logLevel, base: { pid: process.pid } });
}

/** Turns any failure into one line on stderr and an exit code; stacks only for real bugs. */
export function reportFailure(error: unknown): number {
  if (error instanceof CliError) {
    console.error(`laurel: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof AppError || error instanceof BootstrapError) {
    console.error(`laurel: ${error.message}`);
    return 1;
  }
  console.error('laurel: unexpected error:', error);
  return 1;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The bytes of a file named on the command line; a missing or unreadable file is a usage error. */
export function readInputFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 2);
  }
}

/** The organisation an operator named on the command line, by id or name. */
export async function organizationNamed(db: Db, idOrName: string): Promise<Organization> {
  const organization = await findOrganizationByIdOrName(db, idOrName);
  if (!organization) throw new CliError(`no organisation with id or name "${idOrName}"`);
  return organization;
}

/**
 * Runs one command's work with Laurel's services over the configured database, and closes both
 * afterwards. The composition root is loaded only here, so commands that need no services start fast.
 */
export async function withServices<T>(options: { migrate: boolean }, work: (services: Services, runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(options);
  try {
    const { createServices } = await import('../app.js');
    const services = createServices({ config: runtime.config, secret: runtime.secret, db: runtime.database.db, clock: systemClock });
    try {
      return await work(services, runtime);
    } finally {
      await services.issuing.close();
    }
  } finally {
    await runtime.database.close();
  }
}
