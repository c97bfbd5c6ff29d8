import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openedxTypes } from '../../events/openedx/event-types.js';
import { createEventTypeRegistry } from '../../events/registry.js';
import { DumpdataError, parseDumpdata } from './dumpdata.js';
import { planImport, type ImportPlan, type PlannedTemplate } from './plan.js';

const passing = openedxTypes.coursePassingStatusUpdated;
const registry = createEventTypeRegistry();

type Row = { model: string; pk: number | string; fields: Record<string, unknown> };

const plan = (rows: Row[]): ImportPlan => planImport(parseDumpdata(JSON.stringify(rows)), registry);

/** A Credly template (parent and child rows) that is active in Open edX. */
const credlyTemplate = (pk: number, fields: Record<string, unknown> = {}): Row[] => [
  { model: 'badges.badgetemplate', pk, fields: { uuid: `00000000-0000-4000-8000-00000000000${pk}`, name: `Template ${pk}`, description: 'What it is.', origin: 'credly', state: 'active', is_active: true, site: 1, ...fields } },
  { model: 'badges.credlybadgetemplate', pk, fields: { organization: 1 } },
];
const requirement = (pk: number, template: number, blend: string | null, fields: Record<string, unknown> = {}): Row => ({
  model: 'badges.badgerequirement',
  pk,
  fields: { template, event_type: passing, description: null, blend, ...fields },
});
const rule = (pk: number, requirementPk: number, data_path: string, operator: string, value: string): Row => ({ model: 'badges.datarule', pk, fields: { requirement: requirementPk, data_path, operator, value } });
const passed = (pk: number, requirementPk: number, course: string): Row[] => [rule(pk * 2 - 1, requirementPk, 'is_passing', 'eq', 'true'), rule(pk * 2, requirementPk, 'course.course_key', 'eq', course)];
const organization: Row = { model: 'badges.credlyorganization', pk: 1, fields: { uuid: '7a9d6f2e-1c54-4b8e-9f30-2d6c8e4b1a77', name: 'Example University', api_key: 'secret' } };

const only = (p: ImportPlan): PlannedTemplate => {
  expect(p.templates).toHaveLength(1);
  return p.templates[0]!;
};

describe('planning an Open edX badges import', () => {
  it('maps a Credly template to a badge class with groups, an OR-group and a penalty linked to its requirement', () => {
    const p = plan([
      organization,
      ...credlyTemplate(1),
      requirement(1, 1, 'A'),
      ...passed(1, 1, 'course-v1:X+A+1'),
      requirement(2, 1, 'B'),
      ...passed(2, 2, 'course-v1:X+B+1'),
      requirement(3, 1, 'B', { description: 'Pass B2' }),
      ...passed(3, 3, 'course-v1:X+B+2'),
      { model: 'badges.badgepenalty', pk: 1, fields: { template: 1, event_type: passing, requirements: [1] } },
      { model: 'badges.penaltydatarule', pk: 1, fields: { penalty: 1, data_path: 'is_passing', operator: 'eq', value: 'false' } },
    ]);
    const template = only(p);
    expect(template).toMatchObject({
      upstreamId: '1',
      origin: 'credly',
      uuid: '00000000-0000-4000-8000-000000000001',
      providerTemplateId: '00000000-0000-4000-8000-000000000001',
      providerAccount: 'Credly organisation 7a9d6f2e-1c54-4b8e-9f30-2d6c8e4b1a77 (Example University)',
      marker: 'openedx-import:credly:00000000-0000-4000-8000-000000000001',
      name: 'Template 1',
      description: 'What it is.',
      active: true,
      notes: [],
    });
    expect(template.requirements).toEqual([
      { key: '1', eventType: passing, group: 'A', rules: [{ path: 'is_passing', op: 'eq', value: 'true' }, { path: 'course.course_key', op: 'eq', value: 'course-v1:X+A+1' }] },
      { key: '2', eventType: passing, group: 'B', rules: [{ path: 'is_passing', op: 'eq', value: 'true' }, { path: 'course.course_key', op: 'eq', value: 'course-v1:X+B+1' }] },
      { key: '3', eventType: passing, group: 'B', description: 'Pass B2', rules: [{ path: 'is_passing', op: 'eq', value: 'true' }, { path: 'course.course_key', op: 'eq', value: 'course-v1:X+B+2' }] },
    ]);
    expect(template.penalties).toEqual([{ eventType: passing, rules: [{ path: 'is_passing', op: 'eq', value: 'false' }], requirementIds: ['1'] }]);
    expect(template.criteria).toBe(
      'Earned when each of the following is met:\n\n' +
        `- ${passing} with is_passing = true and course.course_key = course-v1:X+A+1\n` +
        `- ${passing} with is_passing = true and course.course_key = course-v1:X+B+1 **or** Pass B2`,
    );
    expect(p.skipped).toEqual([]);
    expect(p.notImported).toEqual([{ model: 'badges.credlyorganization', records: 1, reason: expect.stringContaining('create a Credly connection') }]);
  });

  it('keeps the NULL group one OR-group under a name no blend uses, and reads the old "group" field', () => {
    const p = plan([
      ...credlyTemplate(1),
      requirement(1, 1, null),
      ...passed(1, 1, 'c1'),
      requirement(2, 1, null),
      ...passed(2, 2, 'c2'),
      requirement(3, 1, 'ungrouped'),
      ...passed(3, 3, 'c3'),
      { model: 'badges.badgerequirement', pk: 4, fields: { template: 1, event_type: passing, group: 'Z' } },
      ...passed(4, 4, 'c4'),
    ]);
    expect(only(p).requirements.map((r) => [r.key, r.group])).toEqual([
      ['1', 'ungrouped 2'],
      ['2', 'ungrouped 2'],
      ['3', 'ungrouped'],
      ['4', 'Z'],
    ]);
  });

  it('identifies an Accredible group by its id, which is the template key upstream', () => {
    const p = plan([
      { model: 'badges.accredibleapiconfig', pk: 3, fields: { name: 'Main', api_key: 'secret' } },
      { model: 'badges.badgetemplate', pk: 1047, fields: { uuid: '9e6b1c3d-2a48-4f7e-8d05-b3c1a6e9f250', name: 'Python', description: null, origin: 'accredible', state: 'active', is_active: true } },
      { model: 'badges.accrediblegroup', pk: 1047, fields: { api_config: 3 } },
      requirement(1, 1047, null),
      ...passed(1, 1, 'py'),
    ]);
    expect(only(p)).toMatchObject({
      origin: 'accredible',
      uuid: '9e6b1c3d-2a48-4f7e-8d05-b3c1a6e9f250',
      providerTemplateId: '1047',
      providerAccount: 'Accredible API configuration 3 (Main)',
      marker: 'openedx-import:accredible:1047',
      description: 'Python',
      active: true,
    });
  });

  it('follows is_active and the provider state for activation', () => {
    const inactive = only(plan([...credlyTemplate(1, { is_active: false }), requirement(1, 1, 'A'), ...passed(1, 1, 'c')]));
    expect(inactive).toMatchObject({ active: false, notes: ['inactive in Open edX, so its rules are not activated'] });
    const archived = only(plan([...credlyTemplate(1, { state: 'archived' }), requirement(1, 1, 'A'), ...passed(1, 1, 'c')]));
    expect(archived).toMatchObject({ active: false, notes: ['active in Open edX but its rules are left inactive: its credly state is "archived"'] });
  });

  it('skips a template without requirements, with the reason, keeping its origin and uuid for the report', () => {
    const p = plan([organization, ...credlyTemplate(1), ...credlyTemplate(2), requirement(1, 1, 'A'), ...passed(1, 1, 'c')]);
    expect(p.templates.map((t) => t.upstreamId)).toEqual(['1']);
    expect(p.skippedTemplates).toEqual([
      expect.objectContaining({ upstreamId: '2', origin: 'credly', uuid: '00000000-0000-4000-8000-000000000002', reason: 'has no requirements: nothing would ever award it' }),
    ]);
  });

  it('leaves out a requirement without rules (Open edX never fulfils it) and deactivates when its group can never be fulfilled', () => {
    const alternative = plan([...credlyTemplate(1), requirement(1, 1, 'A'), ...passed(1, 1, 'c'), requirement(2, 1, 'A')]);
    expect(only(alternative)).toMatchObject({ active: true, requirements: [expect.objectContaining({ key: '1' })] });
    expect(alternative.skipped).toEqual([{ record: 'badges.badgerequirement 2', reason: expect.stringMatching(/^has no data rules: Open edX never fulfils/) }]);

    const alone = plan([...credlyTemplate(1), requirement(1, 1, 'A'), ...passed(1, 1, 'c'), requirement(2, 1, 'B')]);
    expect(only(alone)).toMatchObject({
      active: false,
      notes: ['active in Open edX but its rules are left inactive: group "B" can never be fulfilled in Open edX (none of its requirements has data rules)'],
    });
  });

  it('leaves out a requirement with an unsupported operator and keeps the rule set inactive, as it differs from Open edX', () => {
    const p = plan([...credlyTemplate(1), requirement(1, 1, 'A'), ...passed(1, 1, 'c'), requirement(2, 1, 'A'), rule(9, 2, 'user.id', 'gt', '100')]);
    expect(only(p)).toMatchObject({ active: false, requirements: [expect.objectContaining({ key: '1' })] });
    expect(only(p).notes).toEqual(['active in Open edX but its rules are left inactive: some of its requirements could not be imported']);
    expect(p.skipped).toEqual([
      { record: 'badges.datarule 9', reason: 'unsupported operator "gt" (only eq and ne exist in Open edX and are imported)' },
      { record: 'badges.badgerequirement 2', reason: 'left out: its data rule 9 cannot be imported' },
    ]);
  });

  it('reports dangling foreign keys and penalty links it cannot keep', () => {
    const p = plan([
      ...credlyTemplate(1),
      ...credlyTemplate(2),
      requirement(1, 1, 'A'),
      ...passed(1, 1, 'c'),
      requirement(2, 2, 'A'),
      ...passed(2, 2, 'd'),
      requirement(3, 99, 'A'),
      rule(20, 77, 'is_passing', 'eq', 'true'),
      { model: 'badges.badgepenalty', pk: 1, fields: { template: 1, event_type: passing, requirements: [1, 2, 55] } },
      { model: 'badges.penaltydatarule', pk: 1, fields: { penalty: 1, data_path: 'is_passing', operator: 'eq', value: 'false' } },
      { model: 'badges.penaltydatarule', pk: 2, fields: { penalty: 8, data_path: 'is_passing', operator: 'eq', value: 'false' } },
      { model: 'badges.badgepenalty', pk: 2, fields: { template: 1, event_type: passing, requirements: [1] } },
    ]);
    expect(p.skipped).toEqual(
      expect.arrayContaining([
        { record: 'badges.badgerequirement 3', reason: 'its template 99 is not in the export' },
        { record: 'badges.datarule 20', reason: 'its requirement 77 is not in the export' },
        { record: 'badges.penaltydatarule 2', reason: 'its penalty 8 is not in the export' },
        { record: 'badges.badgepenalty 1', reason: expect.stringContaining('links requirement 2 of template 2') },
        { record: 'badges.badgepenalty 1', reason: 'links requirement 55, which is not in the export; that link is left out' },
        { record: 'badges.badgepenalty 2', reason: 'has no data rules: Open edX never applies such a penalty, so it is left out' },
      ]),
    );
    const first = p.templates.find((t) => t.upstreamId === '1')!;
    expect(first.penalties).toEqual([expect.objectContaining({ requirementIds: ['1'] })]);
    // The lost cross-template link changes what the penalty does: the rules stay inactive.
    expect(first.active).toBe(false);
    expect(p.templates.find((t) => t.upstreamId === '2')!.active).toBe(true);
  });

  it('turns progress, fulfilments and issued badges into learner states identified by LMS user id', () => {
    const user = (pk: number, username: string, fields: Record<string, unknown> = {}): Row => ({
      model: 'core.user',
      pk,
      fields: { username, email: `${username}@example.edu`, first_name: 'First', last_name: 'Last', full_name: null, lms_user_id: 30 + pk, date_joined: '2024-09-02T08:15:00Z', ...fields },
    });
    const p = plan([
      ...credlyTemplate(1),
      ...credlyTemplate(2),
      requirement(1, 1, 'A'),
      ...passed(1, 1, 'c1'),
      requirement(2, 1, 'B'),
      ...passed(2, 2, 'c2'),
      requirement(3, 1, 'C', { event_type: '' }),
      user(1, 'ann', { full_name: 'Ann Lee' }),
      user(2, 'bob'),
      user(3, 'cyd', { lms_user_id: null }),
      user(4, 'eve', { email: '' }),
      { model: 'badges.badgeprogress', pk: 5, fields: { username: 'eve', template: 1 } },
      { model: 'badges.fulfillment', pk: 6, fields: { progress: 5, requirement: 2, blend: 'B' } },
      { model: 'badges.badgeprogress', pk: 1, fields: { username: 'ann', template: 1 } },
      { model: 'badges.fulfillment', pk: 1, fields: { progress: 1, requirement: 1, blend: 'A' } },
      { model: 'badges.fulfillment', pk: 2, fields: { progress: 1, requirement: null, blend: 'B' } },
      { model: 'badges.fulfillment', pk: 3, fields: { progress: 1, requirement: 3, blend: 'C' } },
      { model: 'badges.fulfillment', pk: 4, fields: { progress: 404, requirement: 1, blend: 'A' } },
      // Duplicate progress rows exist upstream (no unique constraint): they add up.
      { model: 'badges.badgeprogress', pk: 2, fields: { username: 'ann', template: 1 } },
      { model: 'badges.fulfillment', pk: 5, fields: { progress: 2, requirement: 2, blend: 'B' } },
      { model: 'badges.badgeprogress', pk: 3, fields: { username: 'bob', template: 2 } },
      { model: 'badges.badgeprogress', pk: 4, fields: { username: 'bob', template: null } },
      { model: 'credentials.usercredential', pk: 7, fields: { username: 'bob', credential_content_type: 42, credential_id: 1, status: 'revoked' } },
      { model: 'badges.credlybadge', pk: 7, fields: { state: 'revoked', external_uuid: 'e8b3f1c2-4d57-4a9e-b6c0-7f2a1d9e3b54' } },
      { model: 'credentials.usercredential', pk: 8, fields: { username: 'cyd', credential_content_type: 42, credential_id: 1, status: 'awarded' } },
      { model: 'badges.credlybadge', pk: 8, fields: { state: 'accepted' } },
      { model: 'badges.credlybadge', pk: 9, fields: { state: 'accepted' } },
      { model: 'credentials.usercredential', pk: 10, fields: { username: 'dan', credential_content_type: 42, credential_id: 1, status: 'awarded' } },
      { model: 'badges.credlybadge', pk: 10, fields: { state: 'pending' } },
      { model: 'credentials.usercredential', pk: 11, fields: { username: 'ann', credential_content_type: 12, credential_id: 5, status: 'awarded' } },
    ]);
    expect(p.learners).toEqual([
      // Without an e-mail the learner is still imported: an event naming one completes it.
      { username: 'eve', externalId: '34', name: 'First Last', knownSince: new Date('2024-09-02T08:15:00Z'), states: [{ templateId: '1', fulfilled: ['2'], status: 'none' }] },
      { username: 'ann', externalId: '31', email: 'ann@example.edu', name: 'Ann Lee', knownSince: new Date('2024-09-02T08:15:00Z'), states: [{ templateId: '1', fulfilled: ['1', '2'], status: 'none' }] },
      { username: 'bob', externalId: '32', email: 'bob@example.edu', name: 'First Last', knownSince: new Date('2024-09-02T08:15:00Z'), states: [{ templateId: '1', fulfilled: [], status: 'revoked' }] },
    ]);
    expect(p.skipped).toEqual(
      expect.arrayContaining([
        { record: 'badges.fulfillment 2', reason: 'its requirement was deleted in Open edX, where it no longer counts' },
        { record: 'badges.fulfillment 3', reason: 'requirement 3 is not imported' },
        { record: 'badges.fulfillment 4', reason: 'its progress 404 is not in the export' },
        { record: 'badges.badgeprogress 3', reason: 'its template 2 is not imported' },
        { record: 'badges.badgeprogress 4', reason: 'its template was deleted in Open edX' },
        { record: 'badges.credlybadge 9', reason: 'its credentials.usercredential row (username, template) is not in the export' },
        { record: 'progress of cyd', reason: 'user cyd has no lms_user_id, which events identify learners by' },
        { record: 'progress of dan', reason: expect.stringMatching(/^user dan is not in the export \(dump core.user too\)/) },
      ]),
    );
    expect(p.notImported).toEqual(
      expect.arrayContaining([
        { model: 'badges.credlybadge', records: 4, reason: expect.stringContaining('not re-issued as Laurel credentials') },
        { model: 'credentials.usercredential', records: 1, reason: 'course and program certificates are not badges' },
      ]),
    );
  });

  it('lists unknown models and malformed entries instead of failing', () => {
    const dump = parseDumpdata(JSON.stringify([{ model: 'sites.site', pk: 1, fields: { domain: 'x' } }, { model: 'Badges.WidgetThing', pk: 2, fields: {} }, { pk: 3 }, { model: 'badges.datarule', fields: {} }]));
    const p = planImport(dump, registry);
    expect(p.unknownModels).toEqual([
      { model: 'sites.site', records: 1 },
      { model: 'badges.widgetthing', records: 1 },
    ]);
    expect(p.skipped).toEqual([
      { record: 'entry #2', reason: 'no "model" label such as "badges.datarule"' },
      { record: 'entry #3', reason: 'badges.datarule record without a "pk"' },
    ]);
  });

  it('refuses a file that is not a dumpdata export', () => {
    expect(() => parseDumpdata('{"model": ')).toThrow(DumpdataError);
    expect(() => parseDumpdata('{"model": ')).toThrow(/^not valid JSON/);
    expect(() => parseDumpdata('{"model": "badges.datarule"}')).toThrow('not a Django dumpdata export: expected a JSON array of {"model", "pk", "fields"} records');
  });

  it('plans the realistic fixture export', () => {
    const p = planImport(parseDumpdata(readFileSync(new URL('../../../test/fixtures/openedx/credentials-badges.json', import.meta.url), 'utf8')), registry);
    expect(p.templates.map((t) => [t.origin, t.providerTemplateId, t.active, t.requirements.length, t.penalties.length])).toEqual([
      ['credly', '3f2c8e1a-5b7d-4c9e-8a1f-6d2b9c0e4f13', true, 3, 1],
      ['accredible', '1047', true, 1, 0],
    ]);
    expect(p.skippedTemplates.map((t) => [t.origin, t.uuid, t.reason])).toEqual([['credly', 'c0d4a9b2-7e61-4f3a-b5c8-19e2d7f6a840', 'has no requirements: nothing would ever award it']]);
    expect(p.learners.map((l) => [l.username, l.externalId, l.states])).toEqual([
      ['ann', '31', [{ templateId: '1', fulfilled: ['1'], status: 'none' }]],
      ['bob', '32', [{ templateId: '1', fulfilled: ['1', '2'], status: 'awarded' }]],
    ]);
    expect(p.skipped).toEqual([{ record: 'badges.datarule 9', reason: 'its requirement 12 is not in the export' }]);
    expect(p.unknownModels).toEqual([{ model: 'sites.site', records: 1 }]);
  });
});
