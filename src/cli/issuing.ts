import { loadConfigOrExit, printJson, readInputFile, withServices, CliError } from './runtime.js';
import { cliContext } from '../tenancy/initialize.js';
import { parseBulkCsv } from '../awards/bulk-rows.js';
import { BootstrapError, openConfiguredDatabase, resolveMasterSecret } from '../bootstrap.js';
import { createServices } from '../app.js';
import { createDocumentLoader } from '../credentials/document-loader.js';
import { verifyCredential } from '../credentials/verification.js';
import { systemClock } from '../kernel/clock.js';

/** A one-line progress bar on stderr (only when it is a terminal, so logs stay clean). */
function progressBar(label: string): { update(done: number, total: number): void; finish(): void } {
  const tty = process.stderr.isTTY;
  let last = '';
  return {
    update(done, total) {
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
      if (tty) process.stderr.write(`\r${line}`);
      else if (line !== last && (done === total || done % 1000 < 250)) process.stderr.write(`${line}\n`);
      last = line;
    },
    finish() {
      if (tty) process.stderr.write('\n');
    },
  };
}

/** `laurel issue --badge-class ID --csv FILE`: the bulk issue of the API, run here with a progress bar. */
export async function issueFromCsv(options: { badgeClass: string; csv: string; notify?: boolean; json?: boolean }): Promise<void> {
  const rows = parseBulkCsv(readInputFile(options.csv).toString('utf8'));
  await withServices({ migrate: true }, async ({ issuing }, runtime) => {
    const badgeClass = await runtime.database.db.selectFrom('badge_classes').select(['organization_id']).where('id', '=', options.badgeClass).executeTakeFirst();
    if (!badgeClass) throw new CliError(`no badge class with id "${options.badgeClass}"`);
    const context = cliContext(badgeClass.organization_id);
    const bulk = await issuing.bulk.create(context, options.badgeClass, rows, { notify: options.notify, notifyField: '--notify' });
    const bar = progressBar('issuing');
    // Issued here, not by the workers: the job this created finds nothing left to do.
    await issuing.bulk.process({ bulkIssueId: bulk.id, context }, (done, total) => bar.update(done, total));
    bar.finish();
    const result = await issuing.bulk.get(context, bulk.id);
    const rejected = (await issuing.bulk.rows(context, bulk.id, 0, 1000)).items.filter((row) => row.outcome === 'rejected');
    if (options.json) return printJson({ ...result, rejected });
    console.log(`Bulk issue ${result.id}: ${result.counts.awarded} awarded, ${result.counts.alreadyHeld} already held, ${result.counts.rejected} rejected (of ${result.total}).`);
    for (const row of rejected) console.log(`  row ${row.row} (${row.email ?? 'no e-mail'}): ${row.reason}`);
  });
}

/**
 * `laurel verify FILE`: verifies a credential (JSON, VC-JWT or baked PNG/SVG). Laurel's own DIDs
 * and status lists come from the database when it can be opened; did:key needs nothing.
 */
export async function verifyFile(file: string, options: { json?: boolean }): Promise<void> {
  const input = readInputFile(file);
  const config = loadConfigOrExit();
  let database;
  let note: string | null = null;
  try {
    database = await openConfiguredDatabase(config);
  } catch (error) {
    if (!(error instanceof BootstrapError)) throw error;
    note = `without Laurel's database (${error.message}); only did:key issuers and bundled documents resolve`;
  }
  try {
    let report;
    if (database) {
      const { issuing } = createServices({ config, secret: resolveMasterSecret(config).secret, db: database.db, clock: systemClock });
      report = await verifyCredential(new Uint8Array(input), { documentLoader: issuing.documentLoader, now: () => new Date() });
      await issuing.close();
    } else {
      report = await verifyCredential(new Uint8Array(input), { documentLoader: createDocumentLoader(), now: () => new Date() });
    }
    if (options.json) printJson(note ? { ...report, note } : report);
    else {
      if (note) console.error(`laurel: verifying ${note}`);
      console.log(`${report.verified ? 'VERIFIED' : 'NOT VERIFIED'} (${report.format})`);
      for (const check of report.checks) console.log(`  ${check.outcome.padEnd(7)} ${check.name}${check.reasons.length ? `: ${check.reasons.join('; ')}` : ''}`);
    }
    if (!report.verified) process.exitCode = 1;
  } finally {
    await database?.close();
  }
}
