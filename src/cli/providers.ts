import { findPublicAward } from '../awards/store.js';
import { providerFailureAsAppError } from '../providers/connections/provider-failure.js';
import { findConnectionById } from '../providers/connections/store.js';
import { connectionWarnings } from '../providers/connections/token-expiry.js';
import { cliContext } from '../tenancy/initialize.js';
import { CliError, printJson, withServices } from './runtime.js';

/** `laurel providers sync CONNECTION_ID`: syncs a connection's templates now and lists them. */
export async function syncTemplates(connectionId: string, options: { json?: boolean }): Promise<void> {
  await withServices({ migrate: true }, async ({ providers }, runtime) => {
    const connection = await findConnectionById(runtime.database.db, connectionId);
    if (!connection) throw new CliError(`no connection with id "${connectionId}"`);
    const context = cliContext(connection.organizationId);
    try {
      await providers.connections.syncTemplates({ connectionId, context });
    } catch (error) {
      // As the API words it: one line the operator can act on.
      throw providerFailureAsAppError(error);
    }
    const templates = await providers.connections.templates(context, connectionId);
    if (options.json) return printJson({ connectionId, templates });
    console.log(`Synced ${connection.name} (${connection.provider}): ${templates.length} templates.`);
    for (const template of templates) console.log(`  ${template.id}  ${template.externalId}  ${template.state.padEnd(8)}  ${template.name}`);
    for (const warning of connectionWarnings(connection, new Date())) console.error(`warning: ${warning}`);
  });
}

/**
 * `laurel providers retry AWARD_ID`: retries a failed or waiting delivery here and now, and
 * prints where it stands. A provider still failing leaves the retry queued for the workers.
 */
export async function retryDelivery(awardId: string, options: { json?: boolean }): Promise<void> {
  await withServices({ migrate: true }, async ({ providers }, runtime) => {
    const award = await findPublicAward(runtime.database.db, awardId);
    if (!award) throw new CliError(`no award with id "${awardId}"`);
    const context = cliContext(award.organizationId);
    await providers.deliveries.retry(context, awardId);
    let failure: string | null = null;
    try {
      await providers.deliveries.attempt(awardId, { lastAttempt: false });
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const delivery = (await providers.deliveries.ofAwards([awardId])).get(awardId)!;
    if (options.json) printJson(delivery);
    else console.log(`Award ${awardId}: ${delivery.state}${delivery.externalId ? ` at the provider as ${delivery.externalId}` : ''}${failure ? ` — ${failure}` : ''}`);
    if (failure) process.exitCode = 1;
  });
}
