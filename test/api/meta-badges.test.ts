import { expect, it } from 'vitest';
import { openedxTypes } from '../../src/events/openedx/event-types.js';
import { describeEachApp } from '../support/app.js';
import { setUpIssuing, waitFor, type IssuingSetup } from '../support/issuing.js';

const COMPLETED = 'com.example.course.completed';
/** Each link of a chain of badge events is a job a worker claims at its next poll. */
const chainTimeoutMs = 90_000;

let sequence = 0;
function completion(user: string, course: string, score: number) {
  sequence += 1;
  return { id: `m${sequence}`, type: COMPLETED, time: new Date(Date.UTC(2025, 0, 1, 0, 0, sequence)).toISOString(), source: 'lms.example', user: { id: user, email: `${user}@example.org` }, data: { course, score } };
}

const passed = (course: string, group?: string) => ({ eventType: COMPLETED, ...(group && { group }), rules: [{ path: 'course', op: 'eq', value: course }, { path: 'score', op: 'gte', value: 70 }] });
const failed = (course: string, requirementIds: string[]) => ({ eventType: COMPLETED, rules: [{ path: 'course', op: 'eq', value: course }, { path: 'score', op: 'lt', value: 70 }], requirementIds });
/** Rules on Laurel's own badge events: the badge class by `template.uuid`, from Laurel (not Open edX Credentials). */
const badge = (badgeClassId: string) => [
  { path: 'template.uuid', op: 'eq', value: badgeClassId },
  { path: 'template.origin', op: 'eq', value: 'laurel' },
];

describeEachApp(
  'meta-badges and pathways',
  (app) => {
    async function post(setup: IssuingSetup, path: string, body?: object) {
      const response = await app().call('POST', path, { token: setup.token, body });
      expect(response.status, response.text).toBeLessThan(300);
      return response.body;
    }

    async function badgeClass(setup: IssuingSetup, name: string, extra: object = {}): Promise<string> {
      const body = { issuerId: setup.issuerId, name, description: `${name}.`, imageId: setup.imageId, criteria: { narrative: name }, expiry: { kind: 'never' }, ...extra };
      return (await post(setup, '/api/v1/badge-classes', body)).id;
    }

    const requirement = async (setup: IssuingSetup, badgeClassId: string, body: object): Promise<string> => (await post(setup, `/api/v1/badge-classes/${badgeClassId}/requirements`, body)).id;
    const penalty = async (setup: IssuingSetup, badgeClassId: string, body: object): Promise<string> => (await post(setup, `/api/v1/badge-classes/${badgeClassId}/penalties`, body)).id;
    const activate = (setup: IssuingSetup, badgeClassId: string) => post(setup, `/api/v1/badge-classes/${badgeClassId}/activate`);

    /** Waits until no `events.process` job is pending or running: every chain of badge events has run its course. */
    async function settled(setup: IssuingSetup) {
      const busy = async () => {
        const counts = await Promise.all(
          ['pending', 'running'].map(async (status) => (await app().call('GET', `/api/v1/jobs?kind=events.process&status=${status}`, { token: setup.token })).body.items.length as number),
        );
        return counts[0]! + counts[1]!;
      };
      // Twice in a row: a job that just finished may have enqueued the next link of a chain, which
      // a worker claims at its next poll (a second per link of a long chain).
      expect(await waitFor(async () => (await busy()) + (await busy()), (n) => n === 0, 60_000)).toBe(0);
    }

    async function send(setup: IssuingSetup, events: object[]) {
      const response = await app().call('POST', '/api/v1/events', { token: setup.token, body: events });
      expect(response.status, response.text).toBe(202);
      await settled(setup);
    }

    const awardsOf = async (setup: IssuingSetup, email: string, badgeClassId: string) =>
      (await app().call('GET', `/api/v1/awards?recipientEmail=${encodeURIComponent(email)}&badgeClassId=${badgeClassId}`, { token: setup.token })).body.items as {
        id: string;
        status: string;
        revocationReason: string | null;
      }[];

    async function learner(setup: IssuingSetup, query: string) {
      const found = await app().call('GET', `/api/v1/learners?${query}`, { token: setup.token });
      expect(found.body.items, query).toHaveLength(1);
      return found.body.items[0] as { id: string; source: string; externalId: string; email: string };
    }

    /** A, B awarded by course completions; C requires A and B; C's penalty on A's revocation. */
    async function pathway(name: string) {
      const setup = await setUpIssuing(app(), name);
      const a = setup.badgeClassId;
      const b = await badgeClass(setup, 'Statistics');
      const c = await badgeClass(setup, 'Data Science Pathway');
      const passedA = await requirement(setup, a, passed('A'));
      await penalty(setup, a, failed('A', [passedA]));
      await requirement(setup, b, passed('B'));
      const needsA = await requirement(setup, c, { eventType: openedxTypes.badgeAwarded, description: 'holds A', rules: badge(a) });
      await requirement(setup, c, { eventType: openedxTypes.badgeAwarded, description: 'holds B', rules: badge(b) });
      const lostA = await penalty(setup, c, { eventType: openedxTypes.badgeRevoked, rules: badge(a), requirementIds: [needsA] });
      for (const id of [a, b, c]) await activate(setup, id);
      return { setup, a, b, c, lostA };
    }

    it('awards C once when a learner earns A and B, whether the rules or a person awarded them', async () => {
      const { setup, a, b, c } = await pathway('Pathway Awards');

      await send(setup, [completion('ann', 'A', 90)]);
      expect(await awardsOf(setup, 'ann@example.org', a)).toHaveLength(1);
      expect(await awardsOf(setup, 'ann@example.org', c)).toEqual([]);
      await send(setup, [completion('ann', 'B', 80)]);
      const [meta] = await awardsOf(setup, 'ann@example.org', c);
      expect(meta).toMatchObject({ status: 'awarded' });
      const audit = await app().call('GET', `/api/v1/audit-events?action=award.issued&targetId=${meta!.id}`, { token: setup.token });
      expect(audit.body.items[0].actor).toEqual({ type: 'system', id: 'rules' });

      // More completions (and the badge events they cannot cause) change nothing.
      await send(setup, [completion('ann', 'A', 95), completion('ann', 'B', 99)]);
      expect(await awardsOf(setup, 'ann@example.org', c)).toHaveLength(1);

      // The learner's events show the chain: C's award was caused by B's badge event, caused by the course event.
      const ann = await learner(setup, 'source=lms.example&externalId=ann');
      const events = (await app().call('GET', `/api/v1/learners/${ann.id}/events?limit=50`, { token: setup.token })).body.items;
      const awardedC = events.find((e: { type: string; data: { template?: { uuid: string } } }) => e.type === openedxTypes.badgeAwarded && e.data.template?.uuid === c);
      expect(awardedC).toMatchObject({ source: 'laurel', depth: 2, status: 'processed', data: { uuid: meta!.id, template: { origin: 'laurel', name: 'Data Science Pathway' } } });
      const awardedB = events.find((e: { eventId: string }) => e.eventId === awardedC.causedBy);
      expect(awardedB).toMatchObject({ type: openedxTypes.badgeAwarded, depth: 1, data: { template: { uuid: b } } });
      expect(events.find((e: { eventId: string }) => e.eventId === awardedB.causedBy)).toMatchObject({ type: COMPLETED, source: 'lms.example', depth: 0 });
      const decision = (await app().call('GET', `/api/v1/events/${awardedB.eventId}/decisions`, { token: setup.token })).body.decisions[0];
      expect(decision.transitions).toEqual([{ badgeClassId: c, kind: 'award', done: true, awardId: meta!.id }]);

      // By hand: B awarded to the address of a learner known from the LMS counts for that learner.
      await send(setup, [completion('bob', 'A', 75)]);
      expect(await awardsOf(setup, 'bob@example.org', c)).toEqual([]);
      await post(setup, '/api/v1/awards', { badgeClassId: b, recipient: { email: 'Bob@Example.org' } });
      await settled(setup);
      expect(await awardsOf(setup, 'bob@example.org', c)).toEqual([expect.objectContaining({ status: 'awarded' })]);

      // An address no platform has sent events for becomes a learner of source "laurel" (bulk issue counts too).
      await post(setup, '/api/v1/awards', { badgeClassId: a, recipient: { email: 'cy@example.org', name: 'Cy' } });
      const bulk = await post(setup, '/api/v1/awards/bulk', { badgeClassId: b, rows: [{ email: 'cy@example.org' }] });
      await waitFor(() => app().call('GET', `/api/v1/awards/bulk/${bulk.id}`, { token: setup.token }), (r) => r.body.status === 'done');
      await settled(setup);
      expect(await awardsOf(setup, 'cy@example.org', c)).toEqual([expect.objectContaining({ status: 'awarded' })]);
      expect(await learner(setup, 'source=laurel')).toMatchObject({ externalId: 'cy@example.org', email: 'cy@example.org' });
    }, chainTimeoutMs);

    it("revokes C through its penalty on A's revocation, by hand or by A's own penalty", async () => {
      const { setup, a, c, lostA } = await pathway('Pathway Revocations');
      await send(setup, [completion('dee', 'A', 90), completion('dee', 'B', 90), completion('eve', 'A', 90), completion('eve', 'B', 90)]);
      const [metaDee] = await awardsOf(setup, 'dee@example.org', c);
      expect(metaDee).toMatchObject({ status: 'awarded' });

      // By hand.
      const [aOfDee] = await awardsOf(setup, 'dee@example.org', a);
      await post(setup, `/api/v1/awards/${aOfDee!.id}/revoke`, { reason: 'Plagiarism' });
      await settled(setup);
      const [revokedDee] = await awardsOf(setup, 'dee@example.org', c);
      expect(revokedDee).toMatchObject({ id: metaDee!.id, status: 'revoked', revocationReason: expect.stringContaining(`penalty ${lostA} matched`) });
      const dee = await learner(setup, 'source=lms.example&externalId=dee');
      const progress = (await app().call('GET', `/api/v1/learners/${dee.id}/progress`, { token: setup.token })).body.items;
      expect(progress.find((p: { badgeClassId: string }) => p.badgeClassId === c)).toMatchObject({ status: 'revoked', complete: false, fulfilledGroups: 1, groups: 2 });

      // By A's own penalty (failing course A): A, then C, are revoked by the rules.
      await send(setup, [completion('eve', 'A', 20)]);
      expect((await awardsOf(setup, 'eve@example.org', a))[0]).toMatchObject({ status: 'revoked' });
      expect((await awardsOf(setup, 'eve@example.org', c))[0]).toMatchObject({ status: 'revoked', revocationReason: expect.stringContaining(openedxTypes.badgeRevoked) });
    }, chainTimeoutMs);

    it('refuses a badge class that requires itself, and stops badge classes that award each other in a cycle', async () => {
      const setup = await setUpIssuing(app(), 'Pathway Cycles');
      const self = await app().call('POST', `/api/v1/badge-classes/${setup.badgeClassId}/requirements`, { token: setup.token, body: { eventType: openedxTypes.badgeAwarded, rules: badge(setup.badgeClassId) } });
      expect(self.status).toBe(422);
      expect(self.body.errors).toEqual([{ field: 'body/rules', message: expect.stringContaining('cannot require its own award') }]);

      // P: a course (kick) or Q revoked; lost when Q is awarded. Q: P awarded; lost when P is revoked. Both award again.
      const p = setup.badgeClassId;
      const q = await badgeClass(setup, 'Q');
      const kick = await requirement(setup, p, passed('P', 'either'));
      const qRevoked = await requirement(setup, p, { eventType: openedxTypes.badgeRevoked, group: 'either', rules: badge(q) });
      await penalty(setup, p, { eventType: openedxTypes.badgeAwarded, rules: badge(q), requirementIds: [kick, qRevoked] });
      const pAwarded = await requirement(setup, q, { eventType: openedxTypes.badgeAwarded, rules: badge(p) });
      await penalty(setup, q, { eventType: openedxTypes.badgeRevoked, rules: badge(p), requirementIds: [pAwarded] });
      for (const id of [p, q]) {
        await app().call('PATCH', `/api/v1/badge-classes/${id}/rules`, { token: setup.token, body: { reawardAfterRevoke: true } });
        await activate(setup, id);
      }

      await send(setup, [completion('flo', 'P', 100)]);
      // P↑ Q↑ P↓ Q↓ P↑ Q↑ P↓ Q↓ P↑: eight badge events are evaluated, the ninth is not.
      expect((await awardsOf(setup, 'flo@example.org', p)).map((x) => x.status).sort()).toEqual(['awarded', 'revoked', 'revoked']);
      expect((await awardsOf(setup, 'flo@example.org', q)).map((x) => x.status)).toEqual(['revoked', 'revoked']);
      const flo = await learner(setup, 'source=lms.example&externalId=flo');
      const [last] = (await app().call('GET', `/api/v1/learners/${flo.id}/events`, { token: setup.token })).body.items;
      expect(last).toMatchObject({ type: openedxTypes.badgeAwarded, depth: 9, status: 'processed', data: { template: { uuid: p } } });
      const halted = (await app().call('GET', `/api/v1/events/${last.eventId}/decisions`, { token: setup.token })).body.decisions[0];
      expect(halted).toMatchObject({ transitions: [], explanation: { badgeClasses: [], halted: expect.stringContaining('cycle') } });
    }, chainTimeoutMs);
  },
  {},
  { runWorkers: true },
);
