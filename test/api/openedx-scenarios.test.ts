/*
 * The behaviours Open edX Credentials' badge processing is tested for, replayed over Laurel's HTTP
 * API with the Open edX event types and payloads as the LMS sends them. Section numbers (§) are
 * those of the Open edX Credentials badges reference (openedx-badges.md). Where Laurel deliberately
 * differs (docs/rules.md, "Differences from Open edX Credentials"), the test asserts Laurel's
 * behaviour and its comment says what upstream does.
 *
 * Not replayed here:
 * - §7.1 CredlyBadge/AccredibleBadge.as_badge_data, CredlyOrganization helpers, management URLs,
 *   AccredibleAPIConfig ids; §7.3 issuers; §7.5–§7.7 Credly/Accredible clients and webhooks: the
 *   provider adapters, tested in provider-issuing.test.ts and provider-connections.test.ts
 *   (Laurel's own BadgeData in meta-badges.test.ts).
 * - §7.1 BadgeProgress.reset, BadgeTemplate.by_uuid and the arguments of fulfil's signal: internal
 *   helpers without a counterpart in the API (the pipeline never resets progress wholesale).
 * - §7.8 management commands and §7.9 admin forms: no admin UI; the rule-value check the data-rule
 *   form shares with §7.10 is below.
 * - §7.10 extract_payload and get_user_data: signal plumbing. Over HTTP the event's `user` names
 *   the learner; the bus consumer reads UserData (event-bus.test.ts). System checks E001/E002,
 *   credly_check, sandbox URL helpers: provider settings. Ignored key paths only hide paths from
 *   the admin's drop-down; upstream's evaluation reads any path, and so may Laurel's rules.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { openedxTypes } from '../../src/events/openedx/event-types.js';
import { describeEachApp } from '../support/app.js';
import { setUpIssuing, waitFor, type IssuingSetup } from '../support/issuing.js';

const LMS = 'openedx/lms/web';
const PASSING = openedxTypes.coursePassingStatusUpdated;
const CCX_PASSING = openedxTypes.ccxCoursePassingStatusUpdated;
const CERTIFICATE = openedxTypes.certificateCreated;
const ENROLLMENT = openedxTypes.courseEnrollmentCreated;
const GRADE = openedxTypes.persistentGradeSummaryChanged;

const courseKey = (course: string) => `course-v1:LaurelX+${course}+2025`;
const ccxKey = (course: string, ccx: number) => `ccx-v1:LaurelX+${course}+2025+ccx@${ccx}`;

/** An LMS user as UserData carries it. */
interface LmsUser {
  id: number;
  username: string;
  email: string;
  name: string;
}

const lmsUser = (id: number, email = `learner${id}@example.org`): LmsUser => ({ id, username: `learner${id}`, email, name: `Learner ${id}` });
const userData = (user: LmsUser) => ({ id: user.id, is_active: true, pii: { username: user.username, email: user.email, name: user.name } });
/** CourseData as the LMS fills it for passing-status events: only the key. */
const courseData = (course: string, extra: { display_name?: string; start?: string | null } = {}) => ({ course_key: courseKey(course), display_name: '', start: null, end: null, ...extra });

/** CoursePassingStatusData: `is_passing`, `course`, `user`. */
const coursePassing = (user: LmsUser, course: string, isPassing: boolean) => ({ is_passing: isPassing, course: courseData(course), user: userData(user) });

/** CcxCoursePassingStatusData: `is_passing`, `user`, `course` (CcxCourseData: the CCX key and its master course key). */
const ccxPassing = (user: LmsUser, course: string, isPassing: boolean, maxStudents: number | null = null) => ({
  is_passing: isPassing,
  user: userData(user),
  course: { ccx_course_key: ccxKey(course, 3), master_course_key: courseKey(course), display_name: '', coach_email: '', start: null, end: null, max_students_allowed: maxStudents },
});

/** CertificateData. */
const certificateCreated = (user: LmsUser, course: string, displayName = '') => ({
  user: userData(user),
  course: courseData(course, { display_name: displayName }),
  mode: 'verified',
  grade: '0.91',
  download_url: '',
  name: user.name,
  current_status: 'downloadable',
  previous_status: 'generating',
});

/** CourseEnrollmentData; `created_by` is null when the learner enrolled themselves. */
const enrollmentCreated = (user: LmsUser, course: string, createdBy: LmsUser | null = null, start: string | null = null) => ({
  user: userData(user),
  course: courseData(course, { start }),
  mode: 'audit',
  is_active: true,
  creation_date: '2025-03-01T09:30:00+00:00',
  created_by: createdBy && userData(createdBy),
});

/** PersistentCourseGradeData: names the learner by LMS user id only. */
const gradeSummary = (user: LmsUser, course: string, percent: number, letter: string) => ({
  user_id: user.id,
  course: courseData(course),
  course_edited_timestamp: '2025-03-01T09:00:00+00:00',
  course_version: '',
  grading_policy_hash: '',
  percent_grade: percent,
  letter_grade: letter,
  passed_timestamp: '2025-03-02T10:00:00+00:00',
});

let sequence = 0;
/** The event as `POST /api/v1/events` takes it: the learner from the payload's UserData, or its user id alone. */
function event(type: string, user: LmsUser, data: object, withUserData = true) {
  sequence += 1;
  return {
    id: randomUUID(),
    type,
    time: new Date(Date.UTC(2025, 2, 1, 0, 0, sequence)).toISOString(),
    source: LMS,
    user: withUserData ? { id: String(user.id), email: user.email, username: user.username, name: user.name } : { id: String(user.id) },
    data,
  };
}

const passing = (user: LmsUser, course: string, isPassing = true) => event(PASSING, user, coursePassing(user, course, isPassing));

/** Rules as upstream's admin stores them: expected values are text. */
const rule = (path: string, value: string | null, op = 'eq') => ({ path, op, value });
const passedCourse = (course: string, group?: string) => ({ eventType: PASSING, ...(group && { group }), rules: [rule('is_passing', 'true'), rule('course.course_key', courseKey(course))] });
const failedCourse = (course: string, requirementIds: string[]) => ({ eventType: PASSING, rules: [rule('is_passing', 'false'), rule('course.course_key', courseKey(course))], requirementIds });

interface Explained {
  badgeClassId: string;
  requirements: { requirementId: string; outcome: string; failedRule?: { index: number; path: string } }[];
  penalties: { penaltyId: string; matched: boolean; reset: string[]; failedRule?: { index: number; path: string } }[];
  before: { fulfilledGroups: number; groups: number; complete: boolean };
  after: { fulfilledGroups: number; groups: number; complete: boolean };
  transition: string;
  reason: string;
}

/** The penalties that matched an event (the others are listed too, with the rule that failed). */
const matchedPenalties = (explained: Explained | undefined) => explained?.penalties.filter((p) => p.matched).map(({ penaltyId, reset }) => ({ penaltyId, reset }));

interface EventDecision {
  eventId: string;
  explanation: { badgeClasses: Explained[]; skippedByIndex: number };
  transitions: { badgeClassId: string; kind: string; done: boolean; awardId: string | null }[];
}

describeEachApp(
  'Open edX badge scenarios',
  (app) => {
    async function post(setup: IssuingSetup, path: string, body?: object) {
      const response = await app().call('POST', path, { token: setup.token, body });
      expect(response.status, response.text).toBeLessThan(300);
      return response.body;
    }

    const badgeClass = async (setup: IssuingSetup, name: string): Promise<string> =>
      (await post(setup, '/api/v1/badge-classes', { issuerId: setup.issuerId, name, description: `${name}.`, imageId: setup.imageId, criteria: { narrative: name }, expiry: { kind: 'never' } })).id;
    const requirement = async (setup: IssuingSetup, body: object, badgeClassId = setup.badgeClassId): Promise<string> =>
      (await post(setup, `/api/v1/badge-classes/${badgeClassId}/requirements`, body)).id;
    const penalty = async (setup: IssuingSetup, body: object, badgeClassId = setup.badgeClassId): Promise<string> =>
      (await post(setup, `/api/v1/badge-classes/${badgeClassId}/penalties`, body)).id;
    const activate = (setup: IssuingSetup, badgeClassId = setup.badgeClassId) => post(setup, `/api/v1/badge-classes/${badgeClassId}/activate`);
    const deactivate = (setup: IssuingSetup, badgeClassId = setup.badgeClassId) => post(setup, `/api/v1/badge-classes/${badgeClassId}/deactivate`);

    /** Sends events and waits until each accepted one is decided; returns the receipts and, per accepted event, its decision. */
    async function send(setup: IssuingSetup, events: object[]) {
      const response = await app().call('POST', '/api/v1/events', { token: setup.token, body: events });
      expect(response.status, response.text).toBe(202);
      const decisions: EventDecision[] = [];
      for (const item of response.body.items) {
        if (item.status !== 'accepted') continue;
        const decided = await waitFor(
          () => app().call('GET', `/api/v1/events/${item.eventId}/decisions`, { token: setup.token }),
          (r) => r.body.status === 'processed',
        );
        expect(decided.body.status).toBe('processed');
        decisions.push({ eventId: item.eventId, ...decided.body.decisions[0] });
      }
      return { receipts: response.body.items as { status: string; eventId?: string; reason?: string }[], decisions };
    }

    /** Sends one event; returns what its evaluation says about the badge class (undefined when the event could not concern it). */
    async function explain(setup: IssuingSetup, sent: object, badgeClassId = setup.badgeClassId) {
      const { decisions } = await send(setup, [sent]);
      expect(decisions).toHaveLength(1);
      const decision = decisions[0]!;
      return { decision, explained: decision.explanation.badgeClasses.find((b) => b.badgeClassId === badgeClassId) };
    }

    const awardsOf = async (setup: IssuingSetup, user: LmsUser, badgeClassId = setup.badgeClassId) =>
      (await app().call('GET', `/api/v1/awards?recipientEmail=${encodeURIComponent(user.email)}&badgeClassId=${badgeClassId}`, { token: setup.token })).body.items as { id: string; status: string }[];

    async function learnerOf(setup: IssuingSetup, user: LmsUser) {
      const found = await app().call('GET', `/api/v1/learners?source=${encodeURIComponent(LMS)}&externalId=${user.id}`, { token: setup.token });
      expect(found.body.items).toHaveLength(1);
      return found.body.items[0] as { id: string; email: string | null; username: string | null; name: string | null };
    }

    /** The learner's progress per badge class with active rules. */
    async function progressOf(setup: IssuingSetup, user: LmsUser) {
      const learner = await learnerOf(setup, user);
      return (await app().call('GET', `/api/v1/learners/${learner.id}/progress`, { token: setup.token })).body.items as {
        badgeClassId: string;
        fulfilledGroups: number;
        groups: number;
        ratio: number;
        complete: boolean;
        status: string;
        awardId: string | null;
      }[];
    }

    async function progressTowards(setup: IssuingSetup, user: LmsUser, badgeClassId = setup.badgeClassId) {
      const item = (await progressOf(setup, user)).find((p) => p.badgeClassId === badgeClassId);
      expect(item, `progress towards ${badgeClassId}`).toBeDefined();
      return item!;
    }

    /** Laurel's badge events (BADGE_AWARDED / BADGE_REVOKED) recorded for the learner, oldest first. */
    async function badgeEventsOf(setup: IssuingSetup, user: LmsUser) {
      const learner = await learnerOf(setup, user);
      const events = (await app().call('GET', `/api/v1/learners/${learner.id}/events?limit=100`, { token: setup.token })).body.items as {
        type: string;
        source: string;
        data: { uuid: string; template: { uuid: string; origin: string }; user: { pii: { email: string } } };
      }[];
      return events.filter((e) => e.source === 'laurel').reverse();
    }

    // ---- Data rules (§1.6, §2.3, §7.1, §7.10) ----

    it('apply_rules: a requirement with several rules (username and e-mail paths) matches only when all match (§7.1)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Apply Rules');
      const ann = lmsUser(1);
      const bob = lmsUser(2);
      const id = await requirement(setup, { eventType: PASSING, rules: [rule('user.pii.username', ann.username), rule('user.pii.email', ann.email), rule('is_passing', 'True')] });
      await activate(setup);
      const listed = await app().call('GET', `/api/v1/badge-classes/${setup.badgeClassId}/requirements`, { token: setup.token });
      expect(listed.body.items).toEqual([expect.objectContaining({ id, rules: [rule('user.pii.username', ann.username), rule('user.pii.email', ann.email), rule('is_passing', 'True')] })]);

      await send(setup, [passing(ann, 'DS101'), passing(bob, 'DS101')]);
      expect(await awardsOf(setup, ann)).toEqual([expect.objectContaining({ status: 'awarded' })]);
      // One value differs (the username): not fulfilled.
      expect(await awardsOf(setup, bob)).toEqual([]);
      expect(await progressTowards(setup, bob)).toMatchObject({ fulfilledGroups: 0, complete: false });
    });

    it('eq/ne compare str() of the value with the expected text, whose ten boolean spellings become True/False on every rule (§2.3, §7.2 is_passing = "True")', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Booleans');
      const ann = lmsUser(3);
      const passed = await requirement(setup, { eventType: PASSING, rules: [rule('is_passing', 'Yes'), rule('course.course_key', courseKey('DS101'))] });
      await penalty(setup, { eventType: PASSING, rules: [rule('is_passing', '+', 'ne'), rule('course.course_key', courseKey('DS101'))], requirementIds: [passed] });
      // Upstream maps the spellings on text fields too: "Yes" means True and never equals the text "Yes".
      const literal = await badgeClass(setup, 'Course Called Yes');
      await requirement(setup, { eventType: CERTIFICATE, rules: [rule('course.display_name', 'Yes')] }, literal);
      await activate(setup);
      await activate(setup, literal);

      const passedOnce = await explain(setup, passing(ann, 'DS101'));
      expect(passedOnce.explained).toMatchObject({ requirements: [{ requirementId: passed, outcome: 'fulfilled' }], transition: 'award' });
      const failedOnce = await explain(setup, passing(ann, 'DS101', false));
      expect(failedOnce.explained).toMatchObject({ penalties: [{ matched: true, reset: [passed] }], transition: 'revoke' });
      expect((await awardsOf(setup, ann)).map((a) => a.status)).toEqual(['revoked']);

      await send(setup, [event(CERTIFICATE, ann, certificateCreated(ann, 'DS101', 'Yes'))]);
      expect(await progressTowards(setup, ann, literal)).toMatchObject({ fulfilledGroups: 0, complete: false });
      expect(await awardsOf(setup, ann, literal)).toEqual([]);
    });

    it('eq/ne render None, floats and datetimes as Python prints them (§2.3)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Python Rendering');
      const ann = lmsUser(4);
      const bob = lmsUser(5);
      // An open CCX edition: no cap on students, which the payload carries as null ("None").
      await requirement(setup, { eventType: CCX_PASSING, rules: [rule('course.master_course_key', courseKey('DS101')), rule('course.max_students_allowed', 'None'), rule('is_passing', 'true')] });
      // str(1.0) is "1.0": a perfect grade is "1.0", never "1".
      const perfect = await badgeClass(setup, 'Perfect Grade');
      await requirement(setup, { eventType: GRADE, rules: [rule('course.course_key', courseKey('DS101')), rule('percent_grade', '1.0')] }, perfect);
      const perfectAsInteger = await badgeClass(setup, 'Perfect Grade Written 1');
      await requirement(setup, { eventType: GRADE, rules: [rule('course.course_key', courseKey('DS101')), rule('percent_grade', '1')] }, perfectAsInteger);
      // str(datetime) separates date and time with a space.
      const septemberRun = await badgeClass(setup, 'September Run');
      await requirement(setup, { eventType: ENROLLMENT, rules: [rule('course.start', '2025-09-01 00:00:00+00:00')] }, septemberRun);
      for (const id of [setup.badgeClassId, perfect, perfectAsInteger, septemberRun]) await activate(setup, id);

      await send(setup, [event(CCX_PASSING, ann, ccxPassing(ann, 'DS101', true)), event(CCX_PASSING, bob, ccxPassing(bob, 'DS101', true, 30))]);
      expect(await awardsOf(setup, ann)).toEqual([expect.objectContaining({ status: 'awarded' })]);
      expect(await awardsOf(setup, bob)).toEqual([]);

      await send(setup, [event(GRADE, ann, gradeSummary(ann, 'DS101', 1, 'A'), false)]);
      expect(await awardsOf(setup, ann, perfect)).toHaveLength(1);
      expect(await awardsOf(setup, ann, perfectAsInteger)).toEqual([]);

      await send(setup, [event(ENROLLMENT, bob, enrollmentCreated(bob, 'DS102', null, '2025-09-01T00:00:00+00:00'))]);
      expect(await awardsOf(setup, bob, septemberRun)).toHaveLength(1);
    });

    it('keypath reads nested values by dotted path; a key under a null record is None, so ne on it holds (§7.10, §2.3)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Key Paths');
      const ann = lmsUser(6);
      const bob = lmsUser(7);
      const registrar = lmsUser(99, 'registrar@example.org');
      // "Enrolled themselves": created_by is null for a self-enrolment, so created_by.pii.email is missing.
      await requirement(setup, { eventType: ENROLLMENT, rules: [rule('course.course_key', courseKey('DS101')), rule('created_by.pii.email', registrar.email, 'ne')] });
      await activate(setup);

      const self = await explain(setup, event(ENROLLMENT, ann, enrollmentCreated(ann, 'DS101')));
      expect(self.explained?.requirements).toEqual([expect.objectContaining({ outcome: 'fulfilled' })]);
      const enrolledByRegistrar = await explain(setup, event(ENROLLMENT, bob, enrollmentCreated(bob, 'DS101', registrar)));
      expect(enrolledByRegistrar.explained?.requirements).toEqual([
        expect.objectContaining({ outcome: 'failed', failedRule: expect.objectContaining({ index: 1, path: 'created_by.pii.email', actual: registrar.email }) }),
      ]);
      expect(await awardsOf(setup, ann)).toHaveLength(1);
      expect(await awardsOf(setup, bob)).toEqual([]);
    });

    it("rules are checked against the payload's declared types: unknown paths refused, boolean paths take only boolean spellings (§7.10 attr types, §7.9)", async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Attr Types');
      const add = (rules: object[]) => app().call('POST', `/api/v1/badge-classes/${setup.badgeClassId}/requirements`, { token: setup.token, body: { eventType: PASSING, rules } });

      const unknown = await add([rule('course.id', 'x')]);
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors).toEqual([{ field: 'body/rules/0/path', message: expect.stringContaining('unknown key path "course.id"') }]);
      const notBoolean = await add([rule('is_passing', 'invalid')]);
      expect(notBoolean.status).toBe(422);
      expect(notBoolean.body.errors).toEqual([{ field: 'body/rules/0/value', message: expect.stringContaining('must be a boolean') }]);
      expect((await add([rule('is_passing', 'True')])).status).toBe(201);
      // course.course_key is a CourseKey (text): any value.
      expect((await add([rule('course.course_key', 'invalid')])).status).toBe(201);
    });

    // ---- Processing (§2.2, §2.4, §2.5, §7.2, §7.4) ----

    it('discover_requirements / discover_penalties: an event meets only those of its type on active badge classes, in creation order (§7.2)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Discover');
      const ann = lmsUser(8);
      const course = await requirement(setup, { eventType: PASSING, rules: [rule('course.course_key', courseKey('DS101'))] });
      const ccxByMaster = await requirement(setup, { eventType: CCX_PASSING, rules: [rule('course.master_course_key', courseKey('DS101'))] });
      const ccxPassed = await requirement(setup, { eventType: CCX_PASSING, rules: [rule('is_passing', 'true')] });
      const coursePenalty = await penalty(setup, { eventType: PASSING, rules: [rule('is_passing', 'true', 'ne')], requirementIds: [course] });
      const ccxPenalty = await penalty(setup, { eventType: CCX_PASSING, rules: [rule('is_passing', 'true', 'ne')], requirementIds: [ccxByMaster, ccxPassed] });
      await activate(setup);
      const inactive = await badgeClass(setup, 'Never Activated');
      const inactiveRequirement = await requirement(setup, { eventType: PASSING, rules: [rule('course.course_key', courseKey('DS101'))] }, inactive);
      await penalty(setup, { eventType: PASSING, rules: [rule('is_passing', 'true', 'ne')], requirementIds: [inactiveRequirement] }, inactive);

      const fromCourse = await explain(setup, passing(ann, 'DS101'));
      expect(fromCourse.decision.explanation.badgeClasses.map((b) => b.badgeClassId)).toEqual([setup.badgeClassId]);
      expect(fromCourse.explained?.requirements.map((r) => r.requirementId)).toEqual([course]);
      expect(fromCourse.explained?.penalties.map((p) => p.penaltyId)).toEqual([coursePenalty]);

      const fromCcx = await explain(setup, event(CCX_PASSING, ann, ccxPassing(ann, 'DS101', true)));
      expect(fromCcx.decision.explanation.badgeClasses.map((b) => b.badgeClassId)).toEqual([setup.badgeClassId]);
      expect(fromCcx.explained?.requirements.map((r) => r.requirementId)).toEqual([ccxByMaster, ccxPassed]);
      expect(fromCcx.explained?.penalties.map((p) => p.penaltyId)).toEqual([ccxPenalty]);

      expect((await progressOf(setup, ann)).map((p) => p.badgeClassId)).toEqual([setup.badgeClassId]);
      expect(await awardsOf(setup, ann, inactive)).toEqual([]);
    });

    it('a completion: a single ungrouped requirement fulfilled completes the badge, and BADGE_PROGRESS_COMPLETE awards it (§7.2, §7.4, §2.13 scenario 1)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Completion');
      const ann = lmsUser(9);
      const passed = await requirement(setup, passedCourse('DS101'));
      await activate(setup);

      const { decision, explained } = await explain(setup, passing(ann, 'DS101'));
      expect(explained).toMatchObject({ requirements: [{ requirementId: passed, outcome: 'fulfilled' }], before: { fulfilledGroups: 0, groups: 1 }, after: { fulfilledGroups: 1, groups: 1, complete: true } });
      const [award] = await awardsOf(setup, ann);
      expect(award).toMatchObject({ status: 'awarded' });
      expect(decision.transitions).toEqual([{ badgeClassId: setup.badgeClassId, kind: 'award', done: true, awardId: award!.id }]);
      expect(await progressTowards(setup, ann)).toMatchObject({ fulfilledGroups: 1, groups: 1, ratio: 1, complete: true, status: 'awarded', awardId: award!.id });
      const audit = await app().call('GET', `/api/v1/audit-events?action=award.issued&targetId=${award!.id}`, { token: setup.token });
      expect(audit.body.items[0].actor).toEqual({ type: 'system', id: 'rules' });
      // BADGE_AWARDED, as BadgeData.
      expect(await badgeEventsOf(setup, ann)).toEqual([
        expect.objectContaining({ type: openedxTypes.badgeAwarded, data: expect.objectContaining({ uuid: award!.id, template: expect.objectContaining({ uuid: setup.badgeClassId, origin: 'laurel' }), user: expect.objectContaining({ pii: expect.objectContaining({ email: ann.email }) }) }) }),
      ]);
    });

    it.each([
      ['A|B', 2],
      ['A|B|C', 3],
      ['a single-member group', 1],
    ])('%s: one fulfilled requirement of the group completes the badge (§7.2)', async (name, size) => {
      const setup = await setUpIssuing(app(), `OpenedX Group ${name}`);
      const ann = lmsUser(10);
      const courses = ['DS101', 'DS102', 'DS103'].slice(0, size);
      const ids: string[] = [];
      for (const course of courses) ids.push(await requirement(setup, passedCourse(course, 'A')));
      await activate(setup);

      const { explained } = await explain(setup, passing(ann, 'DS101'));
      expect(explained).toMatchObject({ requirements: [{ requirementId: ids[0], outcome: 'fulfilled' }], after: { fulfilledGroups: 1, groups: 1, complete: true }, transition: 'award' });
      expect(await progressTowards(setup, ann)).toMatchObject({ complete: true, status: 'awarded' });
      expect(await awardsOf(setup, ann)).toHaveLength(1);
    });

    it('(A|B)&C: C alone is not complete; then B completes it, and A adds nothing (§7.2, §2.5)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX A or B and C');
      const ann = lmsUser(11);
      // A: passed the course; B: passed a CCX edition of it; C: earned its verified certificate.
      await requirement(setup, passedCourse('DS101', 'passed'));
      const b = await requirement(setup, { eventType: CCX_PASSING, group: 'passed', rules: [rule('is_passing', 'true'), rule('course.master_course_key', courseKey('DS101'))] });
      const c = await requirement(setup, { eventType: CERTIFICATE, rules: [rule('course.course_key', courseKey('DS101')), rule('mode', 'verified')] });
      await activate(setup);

      const first = await explain(setup, event(CERTIFICATE, ann, certificateCreated(ann, 'DS101')));
      expect(first.explained).toMatchObject({ requirements: [{ requirementId: c, outcome: 'fulfilled' }], after: { fulfilledGroups: 1, groups: 2, complete: false }, transition: 'none' });
      expect(await awardsOf(setup, ann)).toEqual([]);
      // Upstream edits B's rules and reprocesses; Laurel's rules are not edited in place, so an event matching B stands for it.
      const second = await explain(setup, event(CCX_PASSING, ann, ccxPassing(ann, 'DS101', true)));
      expect(second.explained).toMatchObject({ requirements: [{ requirementId: b, outcome: 'fulfilled' }], after: { fulfilledGroups: 2, groups: 2, complete: true }, transition: 'award' });
      await send(setup, [passing(ann, 'DS101')]);
      expect(await awardsOf(setup, ann)).toHaveLength(1);
      expect(await progressTowards(setup, ann)).toMatchObject({ fulfilledGroups: 2, groups: 2, complete: true, status: 'awarded' });
    });

    it('(A|B)&(C|D): A alone is half way; C completes it (§7.2)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Two Or Groups');
      const ann = lmsUser(12);
      await requirement(setup, passedCourse('DS101', 'foundations'));
      await requirement(setup, { eventType: CERTIFICATE, group: 'foundations', rules: [rule('course.course_key', courseKey('DS101'))] });
      await requirement(setup, passedCourse('DS201', 'advanced'));
      await requirement(setup, { eventType: GRADE, group: 'advanced', rules: [rule('course.course_key', courseKey('DS201')), rule('letter_grade', 'A')] });
      await activate(setup);

      await send(setup, [passing(ann, 'DS101')]);
      expect(await progressTowards(setup, ann)).toMatchObject({ fulfilledGroups: 1, groups: 2, ratio: 0.5, complete: false, status: 'none' });
      expect(await awardsOf(setup, ann)).toEqual([]);
      await send(setup, [passing(ann, 'DS201')]);
      expect(await progressTowards(setup, ann)).toMatchObject({ fulfilledGroups: 2, groups: 2, complete: true, status: 'awarded' });
      expect(await awardsOf(setup, ann)).toHaveLength(1);
    });

    it('awards only on completion: fulfilling one of two groups awards nothing (upstream awards at once, §2.7, §2.13 scenario 4)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Only On Completion');
      const ann = lmsUser(13);
      await requirement(setup, passedCourse('DS101'));
      await requirement(setup, { eventType: GRADE, rules: [rule('course.course_key', courseKey('DS101')), rule('letter_grade', 'A')] });
      await activate(setup);

      const partial = await explain(setup, passing(ann, 'DS101'));
      expect(partial.explained).toMatchObject({ after: { fulfilledGroups: 1, groups: 2, complete: false }, transition: 'none', reason: 'not complete yet' });
      expect(partial.decision.transitions).toEqual([]);
      expect(await awardsOf(setup, ann)).toEqual([]);
      expect(await badgeEventsOf(setup, ann)).toEqual([]);

      // The grade summary names the learner by LMS user id only; the award goes to the e-mail known from the passing status.
      const complete = await explain(setup, event(GRADE, ann, gradeSummary(ann, 'DS101', 0.94, 'A'), false));
      expect(complete.explained).toMatchObject({ after: { fulfilledGroups: 2, groups: 2, complete: true }, transition: 'award' });
      expect(await awardsOf(setup, ann)).toEqual([expect.objectContaining({ id: complete.decision.transitions[0]!.awardId, status: 'awarded' })]);
    });

    it("identify_user: the learner is the event's user, created on its first event; later events update the e-mail (upstream keeps the first, §2.2)", async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Identify User');
      const first = lmsUser(14);
      const moved = lmsUser(14, 'learner14@new.example.org');
      await requirement(setup, passedCourse('DS101'));
      await activate(setup);

      await send(setup, [passing(first, 'DS101', false)]);
      expect(await learnerOf(setup, first)).toMatchObject({ email: first.email, username: first.username, name: first.name });
      await send(setup, [passing(moved, 'DS101')]);
      expect(await learnerOf(setup, first)).toMatchObject({ email: moved.email });
      expect(await awardsOf(setup, moved)).toHaveLength(1);
      expect(await awardsOf(setup, first)).toEqual([]);
    });

    it('process_event with user=None: the event is rejected with the reason and nothing is recorded (upstream logs and drops it, §7.2)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX No User');
      const ann = lmsUser(15);
      await requirement(setup, passedCourse('DS101'));
      await activate(setup);

      const { receipts } = await send(setup, [passing(ann, 'DS101'), { ...passing(ann, 'DS102'), data: { ...coursePassing(ann, 'DS102', true), user: null } }]);
      expect(receipts.map((r) => r.status)).toEqual(['accepted', 'rejected']);
      expect(receipts[1]!.reason).toMatch(new RegExp(`^invalid data for ${PASSING.replaceAll('.', '\\.')}: /data/user`));
      const learner = await learnerOf(setup, ann);
      const events = (await app().call('GET', `/api/v1/learners/${learner.id}/events`, { token: setup.token })).body.items;
      expect(events.filter((e: { source: string }) => e.source === LMS)).toHaveLength(1);
    });

    it('process_event for an unknown event type: recorded as generic JSON and decided without any badge class (upstream ignores it, §7.2, §2.12)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Unknown Type');
      const ann = lmsUser(16);
      await requirement(setup, passedCourse('DS101'));
      await activate(setup);

      const { receipts, decisions } = await send(setup, [event('org.openedx.learning.course.unknown.v1', ann, {})]);
      expect(receipts.map((r) => r.status)).toEqual(['accepted']);
      expect(decisions[0]).toMatchObject({ explanation: { badgeClasses: [] }, transitions: [] });
      expect(await progressTowards(setup, ann)).toMatchObject({ fulfilledGroups: 0, status: 'none' });
    });

    it('process_event with is_passing=false: the penalty matches with nothing to reset; no award and, unlike BADGE_PROGRESS_INCOMPLETE upstream, no revoked record (§7.2, §7.4)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Failing First');
      const ann = lmsUser(17);
      const passed = await requirement(setup, passedCourse('DS101'));
      const failed = await penalty(setup, failedCourse('DS101', [passed]));
      await activate(setup);

      const { decision, explained } = await explain(setup, passing(ann, 'DS101', false));
      expect(explained).toMatchObject({ penalties: [{ penaltyId: failed, matched: true, reset: [] }], after: { fulfilledGroups: 0, complete: false }, transition: 'none' });
      expect(decision.transitions).toEqual([]);
      expect(await awardsOf(setup, ann)).toEqual([]);
      expect(await badgeEventsOf(setup, ann)).toEqual([]);
      expect(await progressTowards(setup, ann)).toMatchObject({ complete: false, status: 'none', awardId: null });
    });

    // ---- Penalties (§2.8, §7.2) ----

    it('a penalty whose single rule matches resets both linked fulfilled requirements (2 → 0) and revokes (§7.2)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Penalty Both');
      const ann = lmsUser(18);
      const a = await requirement(setup, passedCourse('DS101'));
      const b = await requirement(setup, passedCourse('DS102'));
      await penalty(setup, { eventType: PASSING, rules: [rule('is_passing', 'false')], requirementIds: [a, b] });
      await activate(setup);
      await send(setup, [passing(ann, 'DS101'), passing(ann, 'DS102')]);
      const [award] = await awardsOf(setup, ann);
      expect(award).toMatchObject({ status: 'awarded' });

      const { decision, explained } = await explain(setup, passing(ann, 'DS101', false));
      expect(explained).toMatchObject({ penalties: [{ matched: true, reset: [a, b] }], before: { fulfilledGroups: 2 }, after: { fulfilledGroups: 0, groups: 2 }, transition: 'revoke' });
      expect(decision.transitions).toEqual([{ badgeClassId: setup.badgeClassId, kind: 'revoke', done: true, awardId: award!.id }]);
      expect(await awardsOf(setup, ann)).toEqual([expect.objectContaining({ id: award!.id, status: 'revoked' })]);
      expect((await badgeEventsOf(setup, ann)).map((e) => e.type)).toEqual([openedxTypes.badgeAwarded, openedxTypes.badgeRevoked]);
    });

    it('a penalty with one matching and one non-matching rule does nothing (§7.2)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Penalty Partial');
      const ann = lmsUser(19);
      const a = await requirement(setup, passedCourse('DS101'));
      const b = await requirement(setup, passedCourse('DS102'));
      const both = await penalty(setup, { eventType: PASSING, rules: [rule('course.course_key', courseKey('DS101')), rule('is_passing', 'false')], requirementIds: [a, b] });
      await activate(setup);
      await send(setup, [passing(ann, 'DS101'), passing(ann, 'DS102')]);

      const { explained } = await explain(setup, passing(ann, 'DS101'));
      expect(explained).toMatchObject({
        penalties: [{ penaltyId: both, matched: false, reset: [], failedRule: { index: 1, path: 'is_passing' } }],
        after: { fulfilledGroups: 2, complete: true },
        transition: 'none',
      });
      expect(await awardsOf(setup, ann)).toEqual([expect.objectContaining({ status: 'awarded' })]);
    });

    it('a single-requirement penalty removes that fulfilment; matching again after the reset is a no-op (§7.2, §2.12)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Penalty Single');
      const ann = lmsUser(20);
      const passed = await requirement(setup, passedCourse('DS101'));
      await penalty(setup, failedCourse('DS101', [passed]));
      await activate(setup);
      await send(setup, [passing(ann, 'DS101')]);

      const revoked = await explain(setup, passing(ann, 'DS101', false));
      expect(revoked.explained).toMatchObject({ penalties: [{ matched: true, reset: [passed] }], after: { fulfilledGroups: 0, groups: 1 }, transition: 'revoke' });
      const again = await explain(setup, passing(ann, 'DS101', false));
      expect(again.explained).toMatchObject({ penalties: [{ matched: true, reset: [] }], transition: 'none' });
      expect(again.decision.transitions).toEqual([]);
      expect((await awardsOf(setup, ann)).map((a) => a.status)).toEqual(['revoked']);
      expect((await badgeEventsOf(setup, ann)).map((e) => e.type)).toEqual([openedxTypes.badgeAwarded, openedxTypes.badgeRevoked]);
    });

    it('penalties on OR-groups: resetting one of two fulfilled alternatives keeps the badge (upstream revokes, §2.8); resetting the other revokes', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Penalty Or Group');
      const ann = lmsUser(21);
      const a = await requirement(setup, passedCourse('DS101', 'either'));
      const b = await requirement(setup, passedCourse('DS102', 'either'));
      const failedA = await penalty(setup, failedCourse('DS101', [a]));
      const failedB = await penalty(setup, failedCourse('DS102', [b]));
      await activate(setup);
      await send(setup, [passing(ann, 'DS101'), passing(ann, 'DS102')]);
      const [award] = await awardsOf(setup, ann);

      const first = await explain(setup, passing(ann, 'DS101', false));
      // §7.2: only the linked fulfilment goes (2 → 1); the group is still fulfilled by B.
      expect(matchedPenalties(first.explained)).toEqual([{ penaltyId: failedA, reset: [a] }]);
      expect(first.explained).toMatchObject({ after: { fulfilledGroups: 1, groups: 1, complete: true }, transition: 'none' });
      expect(await awardsOf(setup, ann)).toEqual([expect.objectContaining({ id: award!.id, status: 'awarded' })]);

      const second = await explain(setup, passing(ann, 'DS102', false));
      expect(matchedPenalties(second.explained)).toEqual([{ penaltyId: failedB, reset: [b] }]);
      expect(second.explained).toMatchObject({ after: { fulfilledGroups: 0, complete: false }, transition: 'revoke' });
      expect(await awardsOf(setup, ann)).toEqual([expect.objectContaining({ id: award!.id, status: 'revoked' })]);
    });

    it('a mixed penalty linked to a grouped and an ungrouped requirement removes both (§7.2)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Penalty Mixed');
      const ann = lmsUser(22);
      const grouped = await requirement(setup, passedCourse('DS101', 'intro'));
      await requirement(setup, passedCourse('DS102', 'intro'));
      const ungrouped = await requirement(setup, passedCourse('DS201'));
      await penalty(setup, { eventType: PASSING, rules: [rule('is_passing', 'false')], requirementIds: [grouped, ungrouped] });
      await activate(setup);
      await send(setup, [passing(ann, 'DS101'), passing(ann, 'DS201')]);
      expect(await progressTowards(setup, ann)).toMatchObject({ fulfilledGroups: 2, groups: 2, status: 'awarded' });

      const { explained } = await explain(setup, passing(ann, 'DS999', false));
      expect(explained).toMatchObject({ penalties: [{ matched: true, reset: [grouped, ungrouped] }], after: { fulfilledGroups: 0, groups: 2 }, transition: 'revoke' });
      expect(await progressTowards(setup, ann)).toMatchObject({ fulfilledGroups: 0, status: 'revoked' });
    });

    it('requirements and penalties without rules match every event of their type (upstream: never, §2.3 "any course grade update")', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX No Rules');
      const ann = lmsUser(23);
      const enrolled = await requirement(setup, { eventType: ENROLLMENT, description: 'Enrolled in any course' });
      const anyGrade = await penalty(setup, { eventType: GRADE, requirementIds: [enrolled] });
      await activate(setup);

      const awarded = await explain(setup, event(ENROLLMENT, ann, enrollmentCreated(ann, 'DS101')));
      expect(awarded.explained).toMatchObject({ requirements: [{ requirementId: enrolled, outcome: 'fulfilled' }], transition: 'award' });
      const revoked = await explain(setup, event(GRADE, ann, gradeSummary(ann, 'DS101', 0.2, 'F'), false));
      expect(revoked.explained).toMatchObject({ penalties: [{ penaltyId: anyGrade, matched: true, reset: [enrolled] }], transition: 'revoke' });
      expect((await awardsOf(setup, ann)).map((a) => a.status)).toEqual(['revoked']);
    });

    // ---- Progress (§1.8, §2.5, §7.1) ----

    it('ratio over 4 groups (A, B, g1×2, g2×2) steps 0 → 0.25 → 0.5 → 0.75 → 1 in the progress API, awarding only at 1 (§7.1)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Ratio Steps');
      const ann = lmsUser(24);
      const groups = [undefined, undefined, 'g1', 'g1', 'g2', 'g2'];
      const courses = ['A', 'B', 'G1a', 'G1b', 'G2a', 'G2b'];
      for (const [i, course] of courses.entries()) await requirement(setup, passedCourse(course, groups[i]));
      await activate(setup);
      // Requirements sharing a group are listed with it; an ungrouped one has none.
      const listed = (await app().call('GET', `/api/v1/badge-classes/${setup.badgeClassId}/requirements`, { token: setup.token })).body.items as { group?: string }[];
      expect(listed.map((r) => r.group)).toEqual(groups);

      await send(setup, [passing(ann, 'X', false)]);
      expect(await progressTowards(setup, ann)).toMatchObject({ fulfilledGroups: 0, groups: 4, ratio: 0, complete: false });
      const steps = [];
      for (const course of ['A', 'G1b', 'G1a', 'B', 'G2a']) {
        await send(setup, [passing(ann, course)]);
        const { ratio, complete, status } = await progressTowards(setup, ann);
        steps.push({ ratio, complete, status, awards: (await awardsOf(setup, ann)).length });
      }
      expect(steps).toEqual([
        { ratio: 0.25, complete: false, status: 'none', awards: 0 },
        { ratio: 0.5, complete: false, status: 'none', awards: 0 },
        // A second member of a fulfilled group changes nothing.
        { ratio: 0.5, complete: false, status: 'none', awards: 0 },
        { ratio: 0.75, complete: false, status: 'none', awards: 0 },
        { ratio: 1, complete: true, status: 'awarded', awards: 1 },
      ]);
    });

    it('user_progress is 1/3 with one of three groups fulfilled and 0 for another learner without fulfilments (§7.1; upstream rounds to 0.33)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX One Third');
      const ann = lmsUser(25);
      const bob = lmsUser(26);
      for (const course of ['DS101', 'DS102', 'DS103']) await requirement(setup, passedCourse(course));
      await activate(setup);

      await send(setup, [passing(ann, 'DS101'), passing(bob, 'DS101', false)]);
      const annProgress = await progressTowards(setup, ann);
      expect(annProgress).toMatchObject({ fulfilledGroups: 1, groups: 3, complete: false });
      expect(annProgress.ratio).toBeCloseTo(1 / 3, 10);
      expect(await progressTowards(setup, bob)).toMatchObject({ fulfilledGroups: 0, groups: 3, ratio: 0, complete: false });
    });

    it('a badge class without requirements is never complete: it cannot be activated, so no progress is shown for it (§7.1)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX No Requirements');
      const ann = lmsUser(27);
      const empty = await badgeClass(setup, 'Nothing Required');
      const refused = await app().call('POST', `/api/v1/badge-classes/${empty}/activate`, { token: setup.token });
      expect(refused.status).toBe(422);
      expect(refused.body.detail).toMatch(/needs at least one requirement/);
      await requirement(setup, passedCourse('DS101'));
      await activate(setup);

      await send(setup, [passing(ann, 'DS102')]);
      expect((await progressOf(setup, ann)).map((p) => p.badgeClassId)).toEqual([setup.badgeClassId]);
      expect(await awardsOf(setup, ann, empty)).toEqual([]);
    });

    it('inactive badge classes: their requirements and penalties are ignored, progress is kept, reactivation does not replay events (§2.10, §7.1 is_active)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Inactive');
      const ann = lmsUser(28);
      const a = await requirement(setup, passedCourse('DS101'));
      await requirement(setup, passedCourse('DS102'));
      await penalty(setup, failedCourse('DS101', [a]));
      await activate(setup);
      await send(setup, [passing(ann, 'DS101')]);

      await deactivate(setup);
      const ignored = await explain(setup, passing(ann, 'DS102'));
      expect(ignored.decision.explanation.badgeClasses).toEqual([]);
      expect(await progressOf(setup, ann)).toEqual([]);
      expect(await awardsOf(setup, ann)).toEqual([]);

      await activate(setup);
      expect(await progressTowards(setup, ann)).toMatchObject({ fulfilledGroups: 1, groups: 2, complete: false });
      await send(setup, [passing(ann, 'DS102')]);
      const [award] = await awardsOf(setup, ann);
      expect(award).toMatchObject({ status: 'awarded' });

      await deactivate(setup);
      await send(setup, [passing(ann, 'DS101', false)]);
      expect(await awardsOf(setup, ann)).toEqual([expect.objectContaining({ id: award!.id, status: 'awarded' })]);
    });

    // ---- Re-processing and re-award (§2.9, §2.12, §2.13) ----

    it('the same passing status again changes nothing: one award however often the LMS re-sends it (§2.12, §2.13 scenario 2)', async () => {
      const setup = await setUpIssuing(app(), 'OpenedX Resent');
      const ann = lmsUser(29);
      await requirement(setup, passedCourse('DS101'));
      await activate(setup);

      const sent = passing(ann, 'DS101');
      const recomputed = passing(ann, 'DS101');
      const first = await send(setup, [sent, recomputed, sent]);
      expect(first.receipts.map((r) => r.status)).toEqual(['accepted', 'accepted', 'duplicate']);
      expect(first.decisions[1]!.explanation.badgeClasses[0]).toMatchObject({ requirements: [{ outcome: 'already_fulfilled' }], transition: 'none', reason: 'already awarded' });
      expect((await send(setup, [sent])).receipts.map((r) => r.status)).toEqual(['duplicate']);
      await send(setup, [passing(ann, 'DS101')]);
      expect(await awardsOf(setup, ann)).toHaveLength(1);
      expect(await badgeEventsOf(setup, ann)).toHaveLength(1);
    });

    it.each([false, true])(
      're-award after revoke (allowMultiple %s): not by default, as upstream; with reawardAfterRevoke a new award, once (§2.9, §2.13 scenario 3)',
      async (allowMultiple) => {
        const setup = await setUpIssuing(app(), `OpenedX Reaward ${allowMultiple}`, { allowMultiple });
        const ann = lmsUser(30);
        const passed = await requirement(setup, passedCourse('DS101'));
        await penalty(setup, failedCourse('DS101', [passed]));
        await activate(setup);

        await send(setup, [passing(ann, 'DS101'), passing(ann, 'DS101', false)]);
        const [revoked] = await awardsOf(setup, ann);
        expect(revoked).toMatchObject({ status: 'revoked' });

        const notAgain = await explain(setup, passing(ann, 'DS101'));
        expect(notAgain.explained).toMatchObject({ after: { complete: true }, transition: 'none', reason: expect.stringContaining('does not award a revoked badge again') });
        expect(await awardsOf(setup, ann)).toHaveLength(1);

        const policy = await app().call('PATCH', `/api/v1/badge-classes/${setup.badgeClassId}/rules`, { token: setup.token, body: { reawardAfterRevoke: true } });
        expect(policy.body).toMatchObject({ reawardAfterRevoke: true });
        const again = await explain(setup, passing(ann, 'DS101'));
        expect(again.explained).toMatchObject({ transition: 'award', reason: 'complete again after a revocation' });
        const reawarded = again.decision.transitions[0]!.awardId;
        expect(reawarded).not.toBe(revoked!.id);
        // Awarded once per completion, even where the badge class allows holding it several times.
        await send(setup, [passing(ann, 'DS101')]);
        const awards = await awardsOf(setup, ann);
        expect(awards.map((a) => [a.id, a.status]).sort()).toEqual(
          [
            [reawarded, 'awarded'],
            [revoked!.id, 'revoked'],
          ].sort(),
        );
        expect(await progressTowards(setup, ann)).toMatchObject({ status: 'awarded', awardId: reawarded });
      },
    );
  },
  {},
  { runWorkers: true },
);
