/**
 * Bulk issue: 10,000 CSV rows to 10,000 signed, stored awards on PostgreSQL (and a smaller run on
 * PGlite), through the same path as `POST /api/v1/awards/bulk` and `laurel issue`.
 */
import { createServices } from '../src/app.js';
import { parseBulkCsv } from '../src/awards/bulk-rows.js';
import { loadConfig } from '../src/config.js';
import { MasterSecret } from '../src/kernel/secrets.js';
import { cliContext, initializeOrganization } from '../src/tenancy/initialize.js';
import { makePng } from '../test/support/credentials-fixtures.js';
import { freshDatabase } from '../test/support/databases.js';
import { benchPostgresUrl, perSecond, printResult } from './support.js';

async function run(kind: 'postgres' | 'pglite', rows: number): Promise<Record<string, number>> {
  const database = await freshDatabase(kind, benchPostgresUrl);
  const config = loadConfig({ LAUREL_PUBLIC_URL: 'https://badges.example.edu', LAUREL_LOG_LEVEL: 'silent' });
  const services = createServices({ config, db: database.db, secret: new MasterSecret('bench-secret-bench-secret-bench-secret!') });
  try {
    const init = await initializeOrganization(database.db, services.clients, { organizationName: 'Bench', adminEmail: 'bench@example.org' });
    const context = cliContext(init.organization.id);
    const image = await services.catalog.images.upload(context, { bytes: makePng(8 * 1024), declaredType: 'image/png' });
    const issuer = await services.catalog.issuers.create(context, { name: 'Bench University', url: 'https://bench.example.edu', email: null, description: null, imageId: null });
    const badgeClass = await services.catalog.badgeClasses.create(context, {
      issuerId: issuer.issuer.id,
      allowMultiple: false,
      content: {
        name: 'Bulk Badge',
        description: 'Issued in bulk',
        imageId: image.id,
        criteria: { narrative: 'Be on the roster.', url: null },
        achievementType: 'Badge',
        alignments: [],
        tags: [],
        language: 'en',
        expiry: { kind: 'never' },
      },
    });
    const csv = ['email,name,narrative', ...Array.from({ length: rows }, (_, i) => `learner${i}@example.org,Learner ${i},Completed the course`)].join('\n');
    const started = performance.now();
    const bulk = await services.issuing.bulk.create(context, badgeClass.badgeClass.id, parseBulkCsv(csv));
    await services.issuing.bulk.process({ bulkIssueId: bulk.id, context });
    const elapsed = performance.now() - started;
    const result = await services.issuing.bulk.get(context, bulk.id);
    if (result.counts.awarded !== rows) throw new Error(`expected ${rows} awards, got ${JSON.stringify(result.counts)}`);
    return { rows, seconds: Math.round(elapsed / 100) / 10, awardsPerSecond: perSecond(rows, elapsed) };
  } finally {
    await services.issuing.close();
    await database.close();
  }
}

const postgres = benchPostgresUrl ? await run('postgres', 10_000) : { skipped: 'no PostgreSQL (BENCH_DATABASE_URL / TEST_DATABASE_URL)' };
const pglite = await run('pglite', 2_000);
printResult({ target: '10,000 CSV rows → signed, stored awards in under 60 s on PostgreSQL', postgres, pglite });
