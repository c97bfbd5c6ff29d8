/**
 * The `laurel` command. Each subcommand lives in src/cli/; this file only declares them.
 */
import { Command, Option } from 'commander';
import { reportFailure } from './cli/runtime.js';
import { settingDocs } from './config.js';
import { version } from './version.js';

// Command modules load on use, so each command pays only for what it imports.
const admin = () => import('./cli/admin.js');
const server = () => import('./cli/serve.js');
const issuing = () => import('./cli/issuing.js');
const providers = () => import('./cli/providers.js');
const openedxImport = () => import('./cli/openedx-import.js');

function program(): Command {
  const laurel = new Command('laurel')
    .description('Laurel: self-hosted badge and credential factory.')
    .version(version, '-v, --version')
    .addHelpText('after', `\nConfiguration comes from environment variables:\n${settingDocs.map((s) => `  ${s.variable.padEnd(26)} ${s.description}`).join('\n')}`);

  laurel.command('serve').description('Serve the HTTP API with in-process job workers (migrates the database first).').action(async () => (await server()).serve());
  laurel.command('worker').description('Run job workers only (scale-out on PostgreSQL).').action(async () => (await server()).work());
  laurel.command('migrate').description('Apply pending database migrations.').action(async () => (await admin()).migrate());
  laurel.command('version').description('Print the version.').action(() => console.log(version));
  laurel
    .command('config')
    .description('Inspect the configuration.')
    .command('check')
    .description('Validate the environment variables and print the resulting settings (secrets masked).')
    .option('--json', 'print JSON')
    .action(async (options) => (await admin()).configCheck(options));

  laurel
    .command('init')
    .description('Create an organisation, its owner (one-time password) and an API client with every scope. Idempotent on the organisation name.')
    .requiredOption('--org <name>', 'organisation name')
    .requiredOption('--admin-email <email>', "the owner's e-mail address (sign-in name)")
    .option('--admin-name <name>', "the owner's display name")
    .option('--rotate-secret', 'on a repeated run, issue a new secret for the init API client')
    .option('--json', 'print JSON: {organization, admin, client: {client_id, client_secret}}')
    .action(async (options) => (await admin()).init(options));

  laurel
    .command('issue')
    .description('Issue a badge class to every row of a CSV file (email,name,evidence_url,narrative,issued_on,expires_on), with a progress bar.')
    .requiredOption('--badge-class <id>', 'the badge class to award')
    .requiredOption('--csv <file>', 'the roster')
    .option('--notify', 'e-mail each recipient awarded (sent by the job workers; needs LAUREL_SMTP_URL)')
    .option('--json', 'print JSON: the bulk issue with its counts and rejected rows')
    .action(async (options) => (await issuing()).issueFromCsv(options));
  laurel
    .command('verify')
    .description('Verify an Open Badges 3.0 credential: JSON, VC-JWT, or a baked PNG/SVG. Exit code 1 when it does not verify.')
    .argument('<file>')
    .option('--json', 'print the report as JSON')
    .action(async (file, options) => (await issuing()).verifyFile(file, options));

  const providerCommands = laurel.command('providers').description('Credly and Accredible connections: template sync and award delivery.');
  providerCommands
    .command('sync')
    .description("Sync a connection's templates (Credly badge templates, Accredible groups) now and list them.")
    .argument('<connection-id>')
    .option('--json', 'print JSON: {connectionId, templates}')
    .action(async (connectionId, options) => (await providers()).syncTemplates(connectionId, options));
  providerCommands
    .command('retry')
    .description("Retry an award's failed or waiting delivery to its provider now. Exit code 1 if the provider still fails (the retry stays queued).")
    .argument('<award-id>')
    .option('--json', "print JSON: the award's delivery")
    .action(async (awardId, options) => (await providers()).retryDelivery(awardId, options));

  laurel
    .command('import')
    .description('Import configuration from other badge systems.')
    .command('openedx-badges')
    .description(
      'Import an Open edX Credentials badges export (manage.py dumpdata badges core.user credentials.usercredential): templates become badge classes with their rules, progress becomes learner rule states. Idempotent; see docs/openedx-import.md.',
    )
    .argument('<file>', 'the dumpdata JSON file')
    .requiredOption('--org <id-or-name>', 'organisation to import into')
    .requiredOption('--issuer <id>', 'issuer of the new badge classes')
    .option('--image <file>', 'PNG or SVG image for the new badge classes (default: a neutral placeholder)')
    .option('--learner-source <source>', 'source of the learners\' events, as the event bus or API sends it', 'openedx/lms/web')
    .option('--dry-run', 'print what would be imported and change nothing')
    .option('--json', 'print the report as JSON')
    .action(async (file, options) => (await openedxImport()).importOpenedxBadges(file, options));

  const client = laurel.command('client').description('Manage API clients (OAuth2 client credentials).');
  client
    .command('create')
    .description('Create an API client; prints its secret once.')
    .requiredOption('--org <id-or-name>', 'organisation')
    .requiredOption('--name <name>', 'what the client is for')
    .option('--scopes <list>', 'comma-separated scopes (default: all)')
    .option('--json', 'print JSON')
    .action(async (options) => (await admin()).clientCommands.create(options));
  client.command('list').description('List API clients.').requiredOption('--org <id-or-name>', 'organisation').option('--json', 'print JSON').action(async (options) => (await admin()).clientCommands.list(options));
  client
    .command('rotate')
    .description('Issue a new secret; old secrets keep working for the grace period.')
    .argument('<client-id>')
    .addOption(new Option('--grace <duration>', 'how long old secrets keep working (0, 30m, 24h, 7d; default LAUREL_SECRET_GRACE)'))
    .option('--json', 'print JSON')
    .action(async (id, options) => (await admin()).clientCommands.rotate(id, options));
  client.command('revoke').description('Revoke a client: its secrets and tokens stop working.').argument('<client-id>').option('--json', 'print JSON').action(async (id, options) => (await admin()).clientCommands.revoke(id, options));
  return laurel;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (error) {
    process.exitCode = reportFailure(error);
  }
}
