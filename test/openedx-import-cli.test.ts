import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../src/app.js';
import { openConfiguredDatabase } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { MasterSecret } from '../src/kernel/secrets.js';
import { cliContext } from '../src/tenancy/initialize.js';
import { pngImage } from './support/catalog.js';

const run = promisify(execFile);
const laurelBin = join(import.meta.dirname, '..', 'bin', 'laurel.js');
const fixture = join(import.meta.dirname, 'fixtures', 'openedx', 'credentials-badges.json');
const dataDir = mkdtempSync(join(tmpdir(), 'laurel-import-'));
const secret = 'import-test-master-secret-of-at-least-32-characters';
const env = { ...process.env, LAUREL_DATA_DIR: dataDir, DATABASE_URL: '', LAUREL_SECRET: secret, LAUREL_LOG_LEVEL: 'warn' };

function laurel(args: string[]) {
  return run(process.execPath, [laurelBin, ...args], { env, timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** An organisation (made by `laurel init`) with an issuer, made on the same embedded database while no command runs. */
async function organizationWithIssuer(name: string): Promise<{ organizationId: string; issuerId: string }> {
  const init = await laurel(['init', '--org', name, '--admin-email', `owner@${name.toLowerCase().replace(/\W+/g, '-')}.example`, '--json']);
  expect(init.code, init.stderr).toBe(0);
  const organizationId = JSON.parse(init.stdout).organization.id as string;
  const config = loadConfig({ LAUREL_DATA_DIR: dataDir, LAUREL_SECRET: secret, LAUREL_LOG_LEVEL: 'silent' });
  const database = await openConfiguredDatabase(config);
  try {
    const services = createServices({ config, secret: new MasterSecret(secret), db: database.db });
    const { issuer } = await services.catalog.issuers.create(cliContext(organizationId), { name, url: 'https://example.edu', email: null, description: null, imageId: null });
    await services.issuing.close();
    return { organizationId, issuerId: issuer.id };
  } finally {
    await database.close();
  }
}

/** Reads the embedded database while no command runs. */
async function query<T>(work: (db: Awaited<ReturnType<typeof openConfiguredDatabase>>['db']) => Promise<T>): Promise<T> {
  const database = await openConfiguredDatabase(loadConfig({ LAUREL_DATA_DIR: dataDir, LAUREL_SECRET: secret }));
  try {
    return await work(database.db);
  } finally {
    await database.close();
  }
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('laurel import openedx-badges', () => {
  let org: { organizationId: string; issuerId: string };
  beforeAll(async () => {
    org = await organizationWithIssuer('Import Org');
  }, 180_000);

  it('explains itself with --help', { timeout: 60_000 }, async () => {
    const help = await laurel(['import', 'openedx-badges', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: laurel import openedx-badges [options] <file>');
    for (const option of ['--org <id-or-name>', '--issuer <id>', '--dry-run', '--json', '--image <file>', '--learner-source <source>']) expect(help.stdout).toContain(option);
  });

  it('fails with one clear line and a non-zero exit code', { timeout: 120_000 }, async () => {
    const missing = await laurel(['import', 'openedx-badges', join(dataDir, 'nope.json'), '--org', org.organizationId, '--issuer', org.issuerId]);
    expect(missing).toMatchObject({ code: 2, stderr: `laurel: cannot read ${join(dataDir, 'nope.json')}: ENOENT\n` });

    const broken = join(dataDir, 'broken.json');
    writeFileSync(broken, '[{"model": "badges.datarule", ');
    const badJson = await laurel(['import', 'openedx-badges', broken, '--org', org.organizationId, '--issuer', org.issuerId]);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^laurel: ${broken} is not valid JSON \\(.+\\)$`))]);

    const object = join(dataDir, 'object.json');
    writeFileSync(object, '{"model": "badges.datarule"}');
    const notDump = await laurel(['import', 'openedx-badges', object, '--org', org.organizationId, '--issuer', org.issuerId]);
    expect(notDump).toMatchObject({ code: 2, stderr: `laurel: ${object} is not a Django dumpdata export: expected a JSON array of {"model", "pk", "fields"} records\n` });

    const noOrg = await laurel(['import', 'openedx-badges', fixture, '--org', 'Nowhere', '--issuer', org.issuerId]);
    expect(noOrg).toMatchObject({ code: 1, stderr: 'laurel: no organisation with id or name "Nowhere"\n' });

    const noIssuer = await laurel(['import', 'openedx-badges', fixture, '--org', 'Import Org', '--issuer', 'iss_01jzzzzzzzzzzzzzzzzzzzzzzz']);
    expect(noIssuer).toMatchObject({ code: 1, stderr: `laurel: no issuer "iss_01jzzzzzzzzzzzzzzzzzzzzzzz" in organisation Import Org (${org.organizationId})\n` });

    const textFile = join(dataDir, 'image.txt');
    writeFileSync(textFile, 'not an image');
    const badImage = await laurel(['import', 'openedx-badges', fixture, '--org', org.organizationId, '--issuer', org.issuerId, '--image', textFile]);
    expect(badImage).toMatchObject({ code: 2, stderr: `laurel: --image ${textFile}: The upload is neither a PNG nor an SVG image.\n` });

    const noIssuerOption = await laurel(['import', 'openedx-badges', fixture, '--org', org.organizationId]);
    expect(noIssuerOption.code).not.toBe(0);
    expect(noIssuerOption.stderr).toContain("required option '--issuer <id>' not specified");
    expect(await query((db) => db.selectFrom('badge_classes').select('id').execute())).toEqual([]);
  });

  it('prints a dry-run report, then imports the fixture once however often it runs', { timeout: 240_000 }, async () => {
    const args = ['import', 'openedx-badges', fixture, '--org', 'Import Org', '--issuer', org.issuerId];
    const dryRun = await laurel([...args, '--dry-run']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    const lines = dryRun.stdout.split('\n');
    expect(lines[0]).toBe('Dry run: nothing was changed.');
    expect(dryRun.stdout).toContain('  new       credly      3f2c8e1a-5b7d-4c9e-8a1f-6d2b9c0e4f13  "Data Science Foundations" → a new badge class, active, 2 groups, 3 requirements, 1 penalty');
    expect(dryRun.stdout).toContain('              Credly organisation 7a9d6f2e-1c54-4b8e-9f30-2d6c8e4b1a77 (Example University)');
    expect(dryRun.stdout).toContain('  new       accredible  1047  "Python Practitioner" → a new badge class, active, 1 group, 1 requirement, 0 penalties');
    expect(dryRun.stdout).toContain('              Accredible API configuration 1 (Example University Accredible); uuid 9e6b1c3d-2a48-4f7e-8d05-b3c1a6e9f250');
    expect(dryRun.stdout).toContain('  skipped   credly      c0d4a9b2-7e61-4f3a-b5c8-19e2d7f6a840  "Legacy Orientation": has no requirements: nothing would ever award it');
    expect(dryRun.stdout).toContain('Learners: 2 new, 0 existing; rule states: 2 to import, 0 kept');
    expect(dryRun.stdout).toContain('  badges.datarule 9: its requirement 12 is not in the export');
    expect(dryRun.stdout).toContain('Unknown models, ignored:\n  sites.site (1)');
    expect(dryRun.stdout).toMatch(/badges\.credlybadge \(1\): issued badges stay at Credly/);
    // The export's API keys and password hashes never reach the output.
    expect(dryRun.stdout).not.toMatch(/not-a-real|pbkdf2/);
    expect(await query((db) => db.selectFrom('badge_classes').select('id').execute())).toEqual([]);

    const first = await laurel([...args, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({ dryRun: false, organizationId: org.organizationId, learnerSource: 'openedx/lms/web', learners: { new: 2, existing: 0 }, states: { imported: 2, kept: 0 } });
    expect(report.templates.map((t: { status: string; origin: string; uuid: string; badgeClassId: string | null }) => [t.status, t.origin, t.uuid, t.badgeClassId?.slice(0, 3) ?? null])).toEqual([
      ['new', 'credly', '3f2c8e1a-5b7d-4c9e-8a1f-6d2b9c0e4f13', 'bc_'],
      ['new', 'accredible', '9e6b1c3d-2a48-4f7e-8d05-b3c1a6e9f250', 'bc_'],
      ['skipped', 'credly', 'c0d4a9b2-7e61-4f3a-b5c8-19e2d7f6a840', null],
    ]);

    const second = await laurel(args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`  existing  credly      3f2c8e1a-5b7d-4c9e-8a1f-6d2b9c0e4f13  "Data Science Foundations" → ${report.templates[0].badgeClassId}, active`);
    expect(second.stdout).toContain('Learners: 0 new, 0 existing; rule states: 0 imported, 2 kept');
    const stored = await query(async (db) => ({
      badgeClasses: await db.selectFrom('badge_classes').select('id').where('organization_id', '=', org.organizationId).execute(),
      learners: await db.selectFrom('learners').select(['source', 'external_id', 'email']).where('organization_id', '=', org.organizationId).orderBy('external_id').execute(),
    }));
    expect(stored.badgeClasses.map((b) => b.id).sort()).toEqual([report.templates[0].badgeClassId, report.templates[1].badgeClassId].sort());
    expect(stored.learners).toEqual([
      { source: 'openedx/lms/web', external_id: '31', email: 'ann@example.edu' },
      { source: 'openedx/lms/web', external_id: '32', email: 'bob@example.edu' },
    ]);
  });

  it('uses the image given with --image for the new badge classes', { timeout: 240_000 }, async () => {
    const other = await organizationWithIssuer('Image Org');
    const png = join(dataDir, 'badge.png');
    writeFileSync(png, pngImage(64, 64));
    const result = await laurel(['import', 'openedx-badges', fixture, '--org', other.organizationId, '--issuer', other.issuerId, '--image', png, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const images = await query((db) =>
      db.selectFrom('badge_class_versions').innerJoin('images', 'images.id', 'badge_class_versions.image_id').select('images.content_type').where('images.organization_id', '=', other.organizationId).execute(),
    );
    expect(images).toEqual([{ content_type: 'image/png' }, { content_type: 'image/png' }]);
  });
});
