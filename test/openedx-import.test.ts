import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServices, type Services } from '../src/app.js';
import { listAuditEvents } from '../src/audit/store.js';
import type { OperationContext } from '../src/auth/principal.js';
import { processEventsJob, type ProcessEventsPayload } from '../src/automation/process-events-job.js';
import { OpenedxBadgesImport, type ImportReport } from '../src/automation/openedx-import/apply.js';
import { parseDumpdata } from '../src/automation/openedx-import/dumpdata.js';
import { planImport, type ImportPlan } from '../src/automation/openedx-import/plan.js';
import { placeholderBadgeImage } from '../src/automation/openedx-import/placeholder-image.js';
import { listLearners, statesOf } from '../src/automation/learner-store.js';
import { loadConfig } from '../src/config.js';
import { openedxTypes } from '../src/events/openedx/event-types.js';
import { decodeMessage, encodeMessage, pythonIsoTime } from '../src/events/openedx/wire.js';
import { createEventTypeRegistry } from '../src/events/registry.js';
import { cliContext } from '../src/tenancy/initialize.js';
import { insertOrganization } from '../src/tenancy/organizations.js';
import { testSecret } from './support/app.js';
import { describeEachDatabase } from './support/databases.js';

const fixture = readFileSync(new URL('./fixtures/openedx/credentials-badges.json', import.meta.url), 'utf8');
const registry = createEventTypeRegistry();
const lmsSource = 'openedx/lms/web';
const credlyUuid = '3f2c8e1a-5b7d-4c9e-8a1f-6d2b9c0e4f13';

/** An event as the Open edX bus delivers it to Laurel: Avro-encoded by the LMS, decoded by Laurel's consumer. */
function busEvent(user: { id: number; username: string; email: string }, courseKey: string, isPassing: boolean) {
  const headers = { type: openedxTypes.coursePassingStatusUpdated, id: randomUUID(), source: lmsSource, time: pythonIsoTime(new Date()), minorversion: '0', sourcehost: 'lms', sourcelib: '9.15.0' };
  const payload = {
    is_passing: isPassing,
    course: { course_key: courseKey, display_name: '', start: null, end: null },
    user: { id: user.id, is_active: true, pii: { username: user.username, email: user.email, name: '' } },
  };
  const decoded = decodeMessage('1-0', encodeMessage(headers, payload).map((value) => Buffer.from(value)));
  if (decoded.status !== 'accepted') throw new Error(decoded.reason);
  return { ...decoded.event, user: { ...decoded.event.user, email: user.email } };
}

describeEachDatabase('Open edX badges import', (db) => {
  let services: Services;
  let context: OperationContext;
  let issuerId: string;
  const plan = planImport(parseDumpdata(fixture), registry);
  const run = (options: { dryRun: boolean }, importPlan: ImportPlan = plan): Promise<ImportReport> =>
    new OpenedxBadgesImport({ db: db(), badgeClasses: services.catalog.badgeClasses, images: services.catalog.images, ruleSets: services.automation.ruleSets }).run(context, importPlan, {
      issuerId,
      learnerSource: lmsSource,
      ...options,
    });
  const badgeClasses = async () => (await services.catalog.badgeClasses.list(context, { archived: false, limit: 100 })).items;
  const learner = async (externalId: string) => {
    const { items } = await listLearners(db(), context.organizationId, { source: lmsSource, externalId, limit: 10 });
    expect(items).toHaveLength(1);
    return items[0]!;
  };
  const imageCount = async () => Number((await db().selectFrom('images').select((eb) => eb.fn.countAll().as('n')).where('organization_id', '=', context.organizationId).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    services = createServices({ config: loadConfig({ LAUREL_LOG_LEVEL: 'silent' }), secret: testSecret, db: db() });
    const organization = await insertOrganization(db(), `Import University ${randomUUID()}`);
    context = cliContext(organization.id);
    issuerId = (await services.catalog.issuers.create(context, { name: 'Example University', url: 'https://example.edu', email: null, description: null, imageId: null })).issuer.id;
  });
  afterAll(async () => {
    await services.issuing.close();
  });

  it('reports in a dry run what it would create, and changes nothing', async () => {
    const report = await run({ dryRun: true });
    expect(report.templates.map((t) => [t.status, t.origin, t.providerTemplateId, t.badgeClassId, t.active])).toEqual([
      ['new', 'credly', credlyUuid, null, true],
      ['new', 'accredible', '1047', null, true],
      ['skipped', 'credly', 'c0d4a9b2-7e61-4f3a-b5c8-19e2d7f6a840', null, false],
    ]);
    expect(report).toMatchObject({ dryRun: true, learners: { new: 2, existing: 0 }, states: { imported: 2, kept: 0 } });
    expect(await badgeClasses()).toEqual([]);
    expect((await listLearners(db(), context.organizationId, { limit: 10 })).items).toEqual([]);
    expect(await imageCount()).toBe(0);
  });

  it('creates badge classes with their rule sets, one placeholder image, and the learners with their progress', async () => {
    const report = await run({ dryRun: false });
    const [credly, accredible, skipped] = report.templates;
    expect(credly).toMatchObject({ status: 'new', origin: 'credly', uuid: credlyUuid, active: true, groups: 2, requirements: 3, penalties: 1, providerAccount: expect.stringContaining('7a9d6f2e') });
    expect(accredible).toMatchObject({ status: 'new', origin: 'accredible', providerTemplateId: '1047', active: true, groups: 1, requirements: 1, penalties: 0 });
    expect(skipped).toMatchObject({ status: 'skipped', badgeClassId: null });
    expect(report).toMatchObject({ learners: { new: 2, existing: 0 }, states: { imported: 2, kept: 0 } });

    const created = await services.catalog.badgeClasses.get(context, credly!.badgeClassId!);
    expect(created.badgeClass.issuerId).toBe(issuerId);
    expect(created.version).toMatchObject({ name: 'Data Science Foundations', description: 'Passed the introductory and the applied data science course.', achievementType: 'Badge', tags: [] });
    expect(created.version.criteria.narrative).toContain('Pass Applied Data Science **or** Pass a custom edition of Applied Data Science');
    const image = await services.catalog.images.content(created.version.imageId);
    expect(image.contentType).toBe('image/svg+xml');
    expect(image.bytes.toString('utf8')).toContain('Badge image to be replaced');
    expect((await services.catalog.badgeClasses.get(context, accredible!.badgeClassId!)).version.imageId).toBe(created.version.imageId);
    expect(await imageCount()).toBe(1);

    const rules = await services.automation.ruleSets.get(context, credly!.badgeClassId!);
    expect(rules.active).toBe(true);
    expect(rules.requirements.map((r) => [r.group, r.eventType, r.description])).toEqual(
      expect.arrayContaining([
        ['A', openedxTypes.coursePassingStatusUpdated, 'Pass Introduction to Data Science'],
        ['B', openedxTypes.coursePassingStatusUpdated, 'Pass Applied Data Science'],
        ['B', openedxTypes.ccxCoursePassingStatusUpdated, 'Pass a custom edition of Applied Data Science'],
      ]),
    );
    const groupA = rules.requirements.find((r) => r.group === 'A')!;
    expect(groupA.rules).toEqual([
      { path: 'is_passing', op: 'eq', value: 'true' },
      { path: 'course.course_key', op: 'eq', value: 'course-v1:ExampleU+DS101+2024' },
    ]);
    expect(rules.penalties).toEqual([expect.objectContaining({ requirementIds: [groupA.id], rules: [{ path: 'is_passing', op: 'eq', value: 'false' }, { path: 'course.course_key', op: 'eq', value: 'course-v1:ExampleU+DS101+2024' }] })]);

    const ann = await learner('31');
    expect(ann).toMatchObject({ email: 'ann@example.edu', name: 'Ann Lee', username: 'ann' });
    expect((await statesOf(db(), ann.id)).get(credly!.badgeClassId!)).toMatchObject({ state: { fulfilled: [groupA.id], status: 'none' }, awardId: null });
    const bob = await learner('32');
    expect((await statesOf(db(), bob.id)).get(credly!.badgeClassId!)?.state).toMatchObject({ status: 'awarded', fulfilled: expect.arrayContaining([groupA.id]) });

    // Every change of a template's import is correlated under its marker in the audit log.
    const audit = await listAuditEvents(db(), context.organizationId, { targetId: credly!.badgeClassId!, limit: 10 });
    expect(audit.items.map((a) => [a.action, a.requestId])).toEqual(
      expect.arrayContaining([
        ['badge_class.created', `openedx-import:credly:${credlyUuid}`],
        ['rules.defined', `openedx-import:credly:${credlyUuid}`],
      ]),
    );
  });

  it('imports the same file again without creating anything twice', async () => {
    const before = (await badgeClasses()).map((b) => b.badgeClass.id).sort();
    const report = await run({ dryRun: false });
    expect(report.templates.map((t) => t.status)).toEqual(['existing', 'existing', 'skipped']);
    expect(report.templates[0]).toMatchObject({ badgeClassId: expect.stringMatching(/^bc_/), active: true, notes: ['imported earlier; left as it is'] });
    expect(report).toMatchObject({ learners: { new: 0, existing: 0 }, states: { imported: 0, kept: 2 } });
    expect((await badgeClasses()).map((b) => b.badgeClass.id).sort()).toEqual(before);
    expect(await imageCount()).toBe(1);
    expect((await listLearners(db(), context.organizationId, { limit: 10 })).items).toHaveLength(2);
    const dryRun = await run({ dryRun: true });
    expect(dryRun.templates.map((t) => [t.status, t.badgeClassId])).toEqual([
      ['existing', report.templates[0]!.badgeClassId],
      ['existing', report.templates[1]!.badgeClassId],
      ['skipped', null],
    ]);
  });

  it('adds from a newer export only what is new: progress of another learner on the imported rules', async () => {
    const rows = JSON.parse(fixture) as unknown[];
    rows.push(
      { model: 'core.user', pk: 5, fields: { username: 'cyd', email: 'cyd@example.edu', full_name: 'Cyd Park', lms_user_id: 33, date_joined: '2025-01-10T09:00:00Z' } },
      { model: 'badges.badgeprogress', pk: 3, fields: { username: 'cyd', template: 1 } },
      { model: 'badges.fulfillment', pk: 4, fields: { progress: 3, requirement: 3, blend: 'B' } },
    );
    const report = await run({ dryRun: false }, planImport(parseDumpdata(JSON.stringify(rows)), registry));
    expect(report.templates.map((t) => t.status)).toEqual(['existing', 'existing', 'skipped']);
    expect(report).toMatchObject({ learners: { new: 1, existing: 0 }, states: { imported: 1, kept: 2 } });
    const credlyId = report.templates[0]!.badgeClassId!;
    const ccx = (await services.automation.ruleSets.get(context, credlyId)).requirements.find((r) => r.eventType === openedxTypes.ccxCoursePassingStatusUpdated)!;
    expect((await statesOf(db(), (await learner('33')).id)).get(credlyId)?.state).toMatchObject({ fulfilled: [ccx.id], status: 'none' });
  });

  it('gives its rules to a badge class whose earlier import stopped right after creating it', async () => {
    const rows = [
      { model: 'badges.badgetemplate', pk: 9, fields: { uuid: '11111111-2222-4333-8444-555555555555', name: 'Interrupted', origin: 'credly', state: 'active', is_active: true } },
      { model: 'badges.credlybadgetemplate', pk: 9, fields: { organization: 1 } },
      { model: 'badges.badgerequirement', pk: 90, fields: { template: 9, event_type: openedxTypes.coursePassingStatusUpdated, blend: 'A' } },
      { model: 'badges.datarule', pk: 900, fields: { requirement: 90, data_path: 'is_passing', operator: 'eq', value: 'true' } },
    ];
    const interrupted = planImport(parseDumpdata(JSON.stringify(rows)), registry);
    const template = interrupted.templates[0]!;
    const image = await services.catalog.images.upload(context, { bytes: placeholderBadgeImage, declaredType: undefined });
    const content = { name: 'Interrupted', description: 'x', imageId: image.id, criteria: { narrative: 'x', url: null }, achievementType: 'Badge' as const, alignments: [], tags: [], language: null, expiry: { kind: 'never' as const } };
    const { badgeClass } = await services.catalog.badgeClasses.create({ ...context, requestId: template.marker }, { issuerId, allowMultiple: false, content });

    const report = await run({ dryRun: false }, interrupted);
    expect(report.templates[0]).toMatchObject({ status: 'existing', badgeClassId: badgeClass.id, active: true, requirements: 1 });
    expect(report.templates[0]!.notes).toEqual(['imported earlier without its rules, which are added now']);
    expect((await services.automation.ruleSets.get(context, badgeClass.id)).requirements).toHaveLength(1);
  });

  it('awards an imported learner once the remaining requirement is met, and not a learner who holds the badge upstream', async () => {
    const credly = (await run({ dryRun: true })).templates[0]!;
    const busContext: OperationContext = { organizationId: context.organizationId, actor: { type: 'system', id: 'event-bus' }, requestId: null, role: null };
    // Records and decides an event, then — as a worker would — the badge events its awards and
    // revocations recorded (a learner's later events wait for those).
    const deliver = async (event: ReturnType<typeof busEvent>) => {
      const [receipt] = await services.automation.ingestion.record(busContext, [event]);
      if (receipt?.status !== 'accepted') throw new Error(JSON.stringify(receipt));
      await services.automation.processor.process({ eventIds: [receipt.eventId] });
      const followUps = await db().updateTable('jobs').set({ status: 'done' }).where('kind', '=', processEventsJob).where('status', '=', 'pending').returning('payload').execute();
      for (const { payload } of followUps) await services.automation.processor.process(payload as unknown as ProcessEventsPayload);
    };
    const awardsOf = async (email: string) => (await services.issuing.awards.list(context, { badgeClassId: credly.badgeClassId!, recipientEmail: email, limit: 10 })).items;

    const ann = { id: 31, username: 'ann', email: 'ann@example.edu' };
    await deliver(busEvent(ann, 'course-v1:ExampleU+DS999+2024', true));
    expect(await awardsOf(ann.email)).toEqual([]);
    // Group A came from Open edX; passing DS201 fulfils group B.
    await deliver(busEvent(ann, 'course-v1:ExampleU+DS201+2024', true));
    const [award] = await awardsOf(ann.email);
    expect(award).toMatchObject({ status: 'awarded', recipient: expect.objectContaining({ email: ann.email, externalId: '31' }) });
    // The bus learner is the imported one, not a second learner.
    expect((await learner('31')).id).toBe((await listLearners(db(), context.organizationId, { email: ann.email, limit: 10 })).items[0]!.id);

    // The imported penalty: failing DS101 again resets group A and revokes the award.
    await deliver(busEvent(ann, 'course-v1:ExampleU+DS101+2024', false));
    expect((await awardsOf(ann.email)).map((a) => a.status)).toEqual(['revoked']);

    const bob = { id: 32, username: 'bob', email: 'bob@example.edu' };
    await deliver(busEvent(bob, 'course-v1:ExampleU+DS201+2024', true));
    expect(await awardsOf(bob.email)).toEqual([]);
  });
});
