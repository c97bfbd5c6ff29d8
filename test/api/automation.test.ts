import { expect, it } from 'vitest';
import { openedxTypes } from '../../src/events/openedx/event-types.js';
import { describeEachApp } from '../support/app.js';
import { setUpIssuing, waitFor, type IssuingSetup } from '../support/issuing.js';

const COMPLETED = 'com.example.course.completed';

let sequence = 0;
/** A generic course completion: rules read `course` and `score`. */
function completion(user: string, course: string, score: number, id = `e${++sequence}`) {
  return { id, type: COMPLETED, time: new Date(Date.UTC(2025, 0, 1, 0, 0, sequence)).toISOString(), source: 'lms.example', user: { id: user, email: `${user}@example.org`, name: `Learner ${user}` }, data: { course, score } };
}

const passedCourse = (course: string, group?: string) => ({
  eventType: COMPLETED,
  ...(group && { group }),
  rules: [
    { path: 'course', op: 'eq', value: course },
    { path: 'score', op: 'gte', value: 70 },
  ],
});

const failedCourse = (course: string, requirementIds: string[]) => ({
  eventType: COMPLETED,
  rules: [
    { path: 'course', op: 'eq', value: course },
    { path: 'score', op: 'lt', value: 70 },
  ],
  requirementIds,
});

describeEachApp(
  'automatic awarding',
  (app) => {
    async function addRequirement(setup: IssuingSetup, body: object): Promise<string> {
      const response = await app().call('POST', `/api/v1/badge-classes/${setup.badgeClassId}/requirements`, { token: setup.token, body });
      expect(response.status, response.text).toBe(201);
      return response.body.id;
    }

    async function addPenalty(setup: IssuingSetup, body: object): Promise<string> {
      const response = await app().call('POST', `/api/v1/badge-classes/${setup.badgeClassId}/penalties`, { token: setup.token, body });
      expect(response.status, response.text).toBe(201);
      return response.body.id;
    }

    async function activate(setup: IssuingSetup) {
      const response = await app().call('POST', `/api/v1/badge-classes/${setup.badgeClassId}/activate`, { token: setup.token });
      expect(response.status, response.text).toBe(200);
    }

    /** Sends events and waits until each accepted one has been evaluated; returns their decisions. */
    async function send(setup: IssuingSetup, events: object[]) {
      const response = await app().call('POST', '/api/v1/events', { token: setup.token, body: events });
      expect(response.status, response.text).toBe(202);
      const decisions = [];
      for (const item of response.body.items) {
        if (item.status === 'rejected') continue;
        const decision = await waitFor(
          () => app().call('GET', `/api/v1/events/${item.eventId}/decisions`, { token: setup.token }),
          (r) => r.body.status === 'processed',
        );
        expect(decision.body.status).toBe('processed');
        decisions.push(decision.body);
      }
      return { receipts: response.body.items, decisions };
    }

    const awardsOf = async (setup: IssuingSetup, user: string) =>
      (await app().call('GET', `/api/v1/awards?recipientEmail=${user}@example.org`, { token: setup.token })).body.items as { id: string; status: string }[];

    async function progressOf(setup: IssuingSetup, user: string) {
      const learners = await app().call('GET', `/api/v1/learners?source=lms.example&externalId=${user}`, { token: setup.token });
      expect(learners.body.items).toHaveLength(1);
      return (await app().call('GET', `/api/v1/learners/${learners.body.items[0].id}/progress`, { token: setup.token })).body;
    }

    it('awards (A|B)&C only on completion, once, as the rules, and explains the failing rule', async () => {
      const setup = await setUpIssuing(app(), 'Rules Completion');
      const a = await addRequirement(setup, passedCourse('A', 'intro'));
      await addRequirement(setup, passedCourse('B', 'intro'));
      const c = await addRequirement(setup, passedCourse('C'));
      await activate(setup);

      const [first] = (await send(setup, [completion('ann', 'A', 90)])).decisions;
      expect(first.decisions[0].explanation.badgeClasses[0]).toMatchObject({ requirements: [{ requirementId: a, outcome: 'fulfilled' }], after: { fulfilledGroups: 1, groups: 2 }, transition: 'none' });
      expect(await awardsOf(setup, 'ann')).toEqual([]);
      expect((await progressOf(setup, 'ann')).items).toEqual([expect.objectContaining({ badgeClassId: setup.badgeClassId, fulfilledGroups: 1, groups: 2, complete: false, status: 'none' })]);

      const [failed] = (await send(setup, [completion('ann', 'C', 50)])).decisions;
      expect(failed.decisions[0].explanation.badgeClasses[0].requirements).toEqual([
        { requirementId: c, outcome: 'failed', failedRule: expect.objectContaining({ index: 1, path: 'score', op: 'gte', expected: 70, actual: 50 }) },
      ]);
      expect(failed.decisions[0].explanation.badgeClasses[0].requirements[0].failedRule.reason).toEqual(expect.any(String));

      const [done] = (await send(setup, [completion('ann', 'C', 75)])).decisions;
      expect(done.decisions[0].transitions).toEqual([{ badgeClassId: setup.badgeClassId, kind: 'award', done: true, awardId: expect.stringMatching(/^awd_/) }]);
      const awards = await awardsOf(setup, 'ann');
      expect(awards).toEqual([expect.objectContaining({ id: done.decisions[0].transitions[0].awardId, status: 'awarded' })]);
      await send(setup, [completion('ann', 'B', 99)]);
      expect(await awardsOf(setup, 'ann')).toHaveLength(1);
      expect((await progressOf(setup, 'ann')).items[0]).toMatchObject({ complete: true, status: 'awarded', awardId: awards[0]!.id });

      const audit = await app().call('GET', `/api/v1/audit-events?action=award.issued&targetId=${awards[0]!.id}`, { token: setup.token });
      expect(audit.body.items[0].actor).toEqual({ type: 'system', id: 'rules' });

      // A job retried after a crash meets events that already have their decision: nothing happens twice.
      const decided = (text: string) => Number(/^laurel_events_processed_total (\d+)/m.exec(text)?.[1]);
      const before = decided((await app().call('GET', '/metrics')).text);
      await app().laurel.services.automation.processor.process({ eventIds: [done.eventId, first.eventId] });
      expect(await awardsOf(setup, 'ann')).toHaveLength(1);
      const metrics = (await app().call('GET', '/metrics')).text;
      expect(before).toBeGreaterThanOrEqual(3);
      expect(decided(metrics)).toBe(before);
      expect(metrics).toMatch(/^laurel_rule_transitions_total\{kind="award"\} [1-9]/m);
    });

    it('revokes only when a penalty makes an awarded badge incomplete, and re-awards only when allowed', async () => {
      const setup = await setUpIssuing(app(), 'Rules Penalty');
      const a = await addRequirement(setup, passedCourse('A', 'either'));
      const b = await addRequirement(setup, passedCourse('B', 'either'));
      await addPenalty(setup, failedCourse('A', [a]));
      await addPenalty(setup, failedCourse('B', [b]));
      await activate(setup);

      await send(setup, [completion('bob', 'A', 80), completion('bob', 'B', 80)]);
      const [award] = await awardsOf(setup, 'bob');
      expect(award).toMatchObject({ status: 'awarded' });

      // Upstream revokes here although the OR-group is still fulfilled by B.
      const [stillComplete] = (await send(setup, [completion('bob', 'A', 10)])).decisions;
      expect(stillComplete.decisions[0].explanation.badgeClasses[0]).toMatchObject({ penalties: [{ matched: true, reset: [a] }], after: { complete: true }, transition: 'none' });
      expect((await awardsOf(setup, 'bob'))[0]!.status).toBe('awarded');

      const [revoked] = (await send(setup, [completion('bob', 'B', 10)])).decisions;
      expect(revoked.decisions[0].transitions).toEqual([{ badgeClassId: setup.badgeClassId, kind: 'revoke', done: true, awardId: award!.id }]);
      expect((await app().call('GET', `/api/v1/awards/${award!.id}`, { token: setup.token })).body.status).toBe('revoked');

      const [notAgain] = (await send(setup, [completion('bob', 'A', 95)])).decisions;
      expect(notAgain.decisions[0].explanation.badgeClasses[0]).toMatchObject({ after: { complete: true }, transition: 'none', reason: expect.stringContaining('does not award a revoked badge again') });
      expect(await awardsOf(setup, 'bob')).toHaveLength(1);

      const policy = await app().call('PATCH', `/api/v1/badge-classes/${setup.badgeClassId}/rules`, { token: setup.token, body: { reawardAfterRevoke: true } });
      expect(policy.body).toMatchObject({ active: true, reawardAfterRevoke: true });
      const [again] = (await send(setup, [completion('bob', 'B', 85)])).decisions;
      expect(again.decisions[0].transitions[0]).toMatchObject({ kind: 'award', done: true });
      expect((await awardsOf(setup, 'bob')).map((x) => x.status).sort()).toEqual(['awarded', 'revoked']);
    });

    it('counts distinct courses and acknowledges duplicates without counting them', async () => {
      const setup = await setUpIssuing(app(), 'Rules Count');
      await addRequirement(setup, { eventType: COMPLETED, rules: [{ path: 'score', op: 'gte', value: 70 }], count: { n: 3, distinctBy: 'course' } });
      await activate(setup);

      const x = completion('cy', 'X', 80);
      const { receipts } = await send(setup, [x, completion('cy', 'X', 90), x]);
      expect(receipts.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'duplicate']);
      expect(receipts[2].eventId).toBe(receipts[0].eventId);
      const again = await send(setup, [x, completion('cy', 'Y', 70)]);
      expect(again.receipts.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'accepted']);
      expect(again.decisions[1].decisions[0].explanation.badgeClasses[0].requirements[0]).toMatchObject({ outcome: 'counted', count: { seen: 2, needed: 3 } });
      expect(await awardsOf(setup, 'cy')).toEqual([]);
      await send(setup, [completion('cy', 'Z', 100)]);
      expect(await awardsOf(setup, 'cy')).toHaveLength(1);
    });

    it('refuses rules that cannot work, naming the rule, and keeps active rule sets valid', async () => {
      const setup = await setUpIssuing(app(), 'Rules Validation');
      const path = `/api/v1/badge-classes/${setup.badgeClassId}`;
      const refuse = async (body: object, field: string, message: RegExp) => {
        const response = await app().call('POST', `${path}/requirements`, { token: setup.token, body });
        expect(response.status, response.text).toBe(422);
        expect(response.body.errors[0]).toEqual({ field, message: expect.stringMatching(message) });
        expect(response.body.detail).toContain(field);
      };
      const passing = openedxTypes.coursePassingStatusUpdated;
      await refuse({ eventType: passing, rules: [{ path: 'course.nope', op: 'eq', value: 'x' }] }, 'body/rules/0/path', /unknown key path "course.nope"/);
      await refuse({ eventType: passing, rules: [{ path: 'is_passing', op: 'eq', value: 'true' }, { path: 'is_passing', op: 'eq', value: 42 }] }, 'body/rules/1/value', /boolean/);
      await refuse({ eventType: passing, rules: [{ path: 'course.course_key', op: 'gt', value: 3 }] }, 'body/rules/0/op', /compares numbers or dates/);

      const early = await app().call('POST', `${path}/activate`, { token: setup.token });
      expect(early.status).toBe(422);
      expect(early.body.detail).toMatch(/needs at least one requirement/);
      const requirement = await addRequirement(setup, { eventType: passing, rules: [{ path: 'is_passing', op: 'eq', value: 'true' }] });
      const badPenalty = await app().call('POST', `${path}/penalties`, { token: setup.token, body: { eventType: passing, rules: [], requirementIds: ['req_nope'] } });
      expect(badPenalty.status).toBe(422);
      expect(badPenalty.body.errors[0].field).toBe('body/requirementIds/0');
      await activate(setup);
      const last = await app().call('DELETE', `${path}/requirements/${requirement}`, { token: setup.token });
      expect(last.status).toBe(409);
      expect((await app().call('GET', `${path}/requirements`, { token: setup.token })).body.items).toHaveLength(1);
      expect((await app().call('POST', `${path}/deactivate`, { token: setup.token })).body.active).toBe(false);
      expect((await app().call('DELETE', `${path}/requirements/${requirement}`, { token: setup.token })).status).toBe(204);

      const events = await app().call('POST', '/api/v1/events', {
        token: setup.token,
        body: { id: 'bad-1', type: passing, time: '2025-01-01T00:00:00Z', source: 'openedx/lms/web', user: { id: '7', email: 'x@example.org' }, data: { is_passing: 'maybe' } },
      });
      expect(events.status).toBe(202);
      expect(events.body.items).toEqual([{ id: 'bad-1', source: 'openedx/lms/web', status: 'rejected', reason: expect.stringContaining(`invalid data for ${passing}`) }]);
    });

    it('records events of learners without an e-mail; their awards wait for one and are then made', async () => {
      const setup = await setUpIssuing(app(), 'Rules No Email');
      await addRequirement(setup, passedCourse('A'));
      await activate(setup);

      const anonymous = { ...completion('gus', 'A', 88), user: { id: 'gus' } };
      const [waiting] = (await send(setup, [anonymous])).decisions;
      expect(waiting.decisions[0].transitions).toEqual([
        { badgeClassId: setup.badgeClassId, kind: 'award', done: false, awardId: null, note: expect.stringContaining('has no e-mail address yet') },
      ]);
      const learners = await app().call('GET', '/api/v1/learners?source=lms.example&externalId=gus', { token: setup.token });
      expect(learners.body.items[0]).toMatchObject({ email: null });
      expect(await awardsOf(setup, 'gus')).toEqual([]);

      // Any later event that names the e-mail (here one that matches no rule) makes the award.
      await send(setup, [completion('gus', 'Z', 1)]);
      const done = await waitFor(
        () => app().call('GET', `/api/v1/events/${waiting.eventId}/decisions`, { token: setup.token }),
        (r) => r.body.decisions[0].transitions[0].done,
      );
      const [award] = await awardsOf(setup, 'gus');
      expect(done.body.decisions[0].transitions).toEqual([{ badgeClassId: setup.badgeClassId, kind: 'award', done: true, awardId: award!.id }]);
      expect(award).toMatchObject({ status: 'awarded' });
      // An event without an e-mail keeps the one known.
      await send(setup, [{ ...completion('gus', 'Z', 2), user: { id: 'gus' } }]);
      expect((await app().call('GET', '/api/v1/learners?source=lms.example&externalId=gus', { token: setup.token })).body.items[0].email).toBe('gus@example.org');
    });

    it("refuses events that pose as Laurel's own badge events", async () => {
      const setup = await setUpIssuing(app(), 'Rules Reserved');
      const badge = { uuid: 'x', user: { id: 1, is_active: true, pii: { username: 'u', email: 'u@example.org', name: '' } }, template: { uuid: setup.badgeClassId, origin: 'laurel', name: null, description: null, image_url: null } };
      const response = await app().call('POST', '/api/v1/events', {
        token: setup.token,
        body: [
          { ...completion('hal', 'A', 90), source: 'laurel' },
          { id: 'fake-1', type: openedxTypes.badgeAwarded, time: '2025-01-01T00:00:00Z', source: 'openedx/credentials/web', user: { id: '1', email: 'u@example.org' }, data: badge },
          { id: 'credly-1', type: openedxTypes.badgeAwarded, time: '2025-01-01T00:00:00Z', source: 'openedx/credentials/web', user: { id: '1', email: 'u@example.org' }, data: { ...badge, template: { ...badge.template, origin: 'credly' } } },
        ],
      });
      expect(response.body.items.map((r: { status: string; reason?: string }) => [r.status, r.reason])).toEqual([
        ['rejected', 'source "laurel" is reserved for Laurel\'s own badge events'],
        ['rejected', 'template.origin "laurel" is reserved for Laurel\'s own badge events'],
        ['accepted', undefined],
      ]);
    });

    it("keeps each organisation's rules, events and learners to itself", async () => {
      const a = await setUpIssuing(app(), 'Rules Tenant A');
      const b = await setUpIssuing(app(), 'Rules Tenant B');
      await addRequirement(a, passedCourse('A'));
      await activate(a);
      const requirementsOfA = `/api/v1/badge-classes/${a.badgeClassId}/requirements`;
      expect((await app().call('POST', requirementsOfA, { token: b.token, body: passedCourse('A') })).status).toBe(404);
      expect((await app().call('GET', requirementsOfA, { token: b.token })).status).toBe(404);
      expect((await app().call('POST', `/api/v1/badge-classes/${a.badgeClassId}/deactivate`, { token: b.token })).status).toBe(404);

      const fromB = await send(b, [completion('dee', 'A', 100)]);
      expect(fromB.decisions[0].decisions[0].explanation.badgeClasses).toEqual([]);
      expect(await awardsOf(a, 'dee')).toEqual([]);
      expect((await app().call('GET', `/api/v1/events/${fromB.receipts[0].eventId}/decisions`, { token: a.token })).status).toBe(404);
      const learnerOfB = (await app().call('GET', '/api/v1/learners?externalId=dee', { token: b.token })).body.items[0];
      expect((await app().call('GET', `/api/v1/learners/${learnerOfB.id}/progress`, { token: a.token })).status).toBe(404);
      expect((await app().call('GET', '/api/v1/learners?externalId=dee', { token: a.token })).body.items).toEqual([]);

      const org = await app().organization('Rules Scopes');
      const readOnly = await app().token(org.client.client_id, org.client.client_secret!, 'badges:read');
      expect((await app().call('POST', '/api/v1/events', { token: readOnly, body: completion('eve', 'A', 1) })).status).toBe(403);
    });
  },
  {},
  { runWorkers: true },
);
