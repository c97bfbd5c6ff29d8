import { acceptImage } from '../catalog/images/image-content.js';
import { OpenedxBadgesImport, type ImportReport, type TemplateOutcome } from '../automation/openedx-import/apply.js';
import { DumpdataError, parseDumpdata } from '../automation/openedx-import/dumpdata.js';
import { planImport } from '../automation/openedx-import/plan.js';
import { AppError } from '../kernel/errors.js';
import { cliContext } from '../tenancy/initialize.js';
import { CliError, organizationNamed, printJson, readInputFile, withServices } from './runtime.js';

export interface OpenedxImportOptions {
  org: string;
  issuer: string;
  learnerSource: string;
  dryRun?: boolean;
  json?: boolean;
  image?: string;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function describeTemplate(t: TemplateOutcome): string[] {
  const head = `  ${t.status.padEnd(9)} ${t.origin.padEnd(11)} ${t.providerTemplateId}  "${t.name}"`;
  if (t.status === 'skipped') return [`${head}: ${t.notes.join('; ')}`];
  const target = t.badgeClassId ?? 'a new badge class';
  const lines = [`${head} → ${target}, ${t.active ? 'active' : 'inactive'}, ${count(t.groups, 'group')}, ${count(t.requirements, 'requirement')}, ${count(t.penalties, 'penalty', 'penalties')}`];
  // The provider's id is the uuid for Credly; for Accredible it is the group id and the uuid is local.
  const details = [t.providerAccount, t.uuid !== null && t.uuid !== t.providerTemplateId ? `uuid ${t.uuid}` : null].filter(Boolean);
  if (details.length > 0) lines.push(`              ${details.join('; ')}`);
  for (const note of t.notes) lines.push(`              note: ${note}`);
  return lines;
}

/** The report as an operator reads it; `--json` prints the same report as data. */
function formatImportReport(report: ImportReport): string {
  const lines = [
    ...(report.dryRun ? ['Dry run: nothing was changed.'] : []),
    `Open edX badges import into ${report.organizationId} (issuer ${report.issuerId}); learners identified as ${report.learnerSource}`,
    '',
    'Templates (status, origin, provider template id, name → badge class):',
    ...report.templates.flatMap(describeTemplate),
    '',
    `Learners: ${report.learners.new} new, ${report.learners.existing} existing; rule states: ${report.states.imported} ${report.dryRun ? 'to import' : 'imported'}, ${report.states.kept} kept (the learner already had one)`,
  ];
  if (report.skipped.length > 0) lines.push('', `Skipped records (${report.skipped.length}):`, ...report.skipped.map((f) => `  ${f.record}: ${f.reason}`));
  if (report.notImported.length > 0) lines.push('', 'Not imported:', ...report.notImported.map((n) => `  ${n.model} (${n.records}): ${n.reason}`));
  if (report.unknownModels.length > 0) lines.push('', 'Unknown models, ignored:', ...report.unknownModels.map((u) => `  ${u.model} (${u.records})`));
  return lines.join('\n');
}

function readImage(file: string): Buffer {
  const bytes = readInputFile(file);
  try {
    acceptImage(bytes, undefined);
  } catch (error) {
    if (error instanceof AppError) throw new CliError(`--image ${file}: ${error.message}`, 2);
    throw error;
  }
  return bytes;
}

/**
 * `laurel import openedx-badges FILE`: badge classes, rules and learner progress from an Open edX
 * Credentials `dumpdata` export. The file is read and checked before the database is opened.
 */
export async function importOpenedxBadges(file: string, options: OpenedxImportOptions): Promise<void> {
  let dump;
  try {
    dump = parseDumpdata(readInputFile(file).toString('utf8'));
  } catch (error) {
    if (error instanceof DumpdataError) throw new CliError(`${file} is ${error.message}`, 2);
    throw error;
  }
  const image = options.image === undefined ? undefined : readImage(options.image);
  const dryRun = options.dryRun ?? false;

  await withServices({ migrate: !dryRun }, async (services, runtime) => {
    const organization = await organizationNamed(runtime.database.db, options.org);
    const context = cliContext(organization.id);
    try {
      await services.catalog.issuers.get(context, options.issuer);
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') throw new CliError(`no issuer "${options.issuer}" in organisation ${organization.name} (${organization.id})`);
      throw error;
    }
    const plan = planImport(dump, await services.automation.ruleSets.registryOf(context));
    const importer = new OpenedxBadgesImport({
      db: runtime.database.db,
      badgeClasses: services.catalog.badgeClasses,
      images: services.catalog.images,
      ruleSets: services.automation.ruleSets,
    });
    const report = await importer.run(context, plan, { issuerId: options.issuer, learnerSource: options.learnerSource, dryRun, image });
    if (options.json) printJson(report);
    else console.log(formatImportReport(report));
  });
}
