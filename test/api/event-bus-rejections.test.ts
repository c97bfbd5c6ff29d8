import { expect, it } from 'vitest';
import { openedxTypes } from '../../src/events/openedx/event-types.js';
import { useBusApp } from '../support/bus-app.js';
import { describeWithRedis } from '../support/databases.js';
import { setUpIssuing, waitFor } from '../support/issuing.js';
import { lmsEntry } from '../support/lms-producer.js';

const courseKey = 'course-v1:LaurelX+Stats+2025';
const course = { course_key: courseKey, display_name: 'Stats', start: null, end: null };

/** The persistent grade summary names the learner by LMS user id alone: no e-mail. */
const gradeSummary = (userId: number, percent: number) =>
  lmsEntry({
    type: openedxTypes.persistentGradeSummaryChanged,
    payload: {
      user_id: userId,
      course,
      course_edited_timestamp: '2025-01-01 00:00:00+00:00',
      course_version: 'v1',
      grading_policy_hash: 'h',
      percent_grade: percent,
      letter_grade: 'Pass',
      passed_timestamp: '2025-01-02 00:00:00+00:00',
    },
  });

const enrollment = (userId: number) =>
  lmsEntry({
    type: openedxTypes.courseEnrollmentCreated,
    payload: {
      user: { id: userId, is_active: true, pii: { username: `u${userId}`, email: `u${userId}@example.org`, name: `User ${userId}` } },
      course,
      mode: 'audit',
      is_active: true,
      creation_date: '2025-01-01 00:00:00+00:00',
      created_by: null,
    },
  });

describeWithRedis('Open edX event bus: learners without e-mail, rejected messages', () => {
  const bus = useBusApp();
  const { organizationId, stream } = bus;

  it('records the grade summary, awards once an event names the e-mail, and stores what it cannot record', async () => {
    await bus.app.database.db.insertInto('organizations').values({ id: organizationId, name: 'Bus Grades' }).execute();
    const setup = await setUpIssuing(bus.app, 'Bus Grades');
    const requirement = await bus.app.call('POST', `/api/v1/badge-classes/${setup.badgeClassId}/requirements`, {
      token: setup.token,
      body: { eventType: openedxTypes.persistentGradeSummaryChanged, rules: [{ path: 'course.course_key', op: 'eq', value: courseKey }, { path: 'percent_grade', op: 'gte', value: 0.7 }] },
    });
    expect(requirement.status, requirement.text).toBe(201);
    expect((await bus.app.call('POST', `/api/v1/badge-classes/${setup.badgeClassId}/activate`, { token: setup.token })).status).toBe(200);

    await bus.redis.xadd(stream, '*', ...gradeSummary(501, 0.91));
    await bus.redis.xadd(stream, '*', 'type', openedxTypes.coursePassingStatusUpdated, 'id', 'garbage', 'event_data', Buffer.from([0xff]));
    await bus.redis.xadd(stream, '*', 'type', 'org.openedx.learning.unheard.of.v1', 'id', 'unknown-1', 'event_data', Buffer.from([0]));
    await bus.redis.xadd(stream, '*', 'id', 'untyped-1', 'event_data', Buffer.from([0]));

    const learner = await waitFor(
      () => bus.app.call('GET', '/api/v1/learners?source=openedx/lms/web&externalId=501', { token: setup.token }),
      (r) => r.body.items.length > 0,
    );
    expect(learner.body.items[0]).toMatchObject({ email: null });
    const waiting = await waitFor(
      () => bus.app.call('GET', `/api/v1/learners/${learner.body.items[0].id}/events`, { token: setup.token }),
      (r) => r.body.items[0]?.status === 'processed',
    );
    const decision = (await bus.app.call('GET', `/api/v1/events/${waiting.body.items[0].eventId}/decisions`, { token: setup.token })).body.decisions[0];
    expect(decision.transitions).toEqual([expect.objectContaining({ kind: 'award', done: false, note: expect.stringContaining('no e-mail address yet') })]);

    await bus.redis.xadd(stream, '*', ...enrollment(501));
    const awards = await waitFor(
      () => bus.app.call('GET', '/api/v1/awards?recipientEmail=u501@example.org', { token: setup.token }),
      (r) => r.body.items.length > 0,
    );
    expect(awards.body.items).toEqual([expect.objectContaining({ badgeClassId: setup.badgeClassId, status: 'awarded', recipient: expect.objectContaining({ name: 'User 501' }) })]);

    const rejected = await waitFor(
      () => bus.app.call('GET', '/api/v1/events/rejected', { token: setup.token }),
      (r) => r.body.items.length >= 3,
    );
    expect(rejected.body.items.map((r: { externalId: string | null; type: string | null; reason: string }) => [r.externalId, r.type, r.reason])).toEqual([
      ['untyped-1', null, 'missing header "type"'],
      ['unknown-1', 'org.openedx.learning.unheard.of.v1', 'unknown event type org.openedx.learning.unheard.of.v1'],
      ['garbage', openedxTypes.coursePassingStatusUpdated, expect.stringContaining('event_data is not valid Avro')],
    ]);
    expect(rejected.body.items[0]).toMatchObject({ stream, streamEntryId: expect.stringMatching(/^\d+-\d+$/), receivedAt: expect.any(String) });
    expect((await bus.app.call('GET', '/metrics')).text).toMatch(/^laurel_event_bus_rejected_total 3$/m);
    const page = await bus.app.call('GET', '/api/v1/events/rejected?limit=2', { token: setup.token });
    expect(page.body.items).toHaveLength(2);
    expect((await bus.app.call('GET', `/api/v1/events/rejected?after=${page.body.nextCursor}`, { token: setup.token })).body.items).toHaveLength(1);

    const other = await bus.app.organization('Bus Outsider');
    const outsider = await bus.app.token(other.client.client_id, other.client.client_secret!);
    expect((await bus.app.call('GET', '/api/v1/events/rejected', { token: outsider })).body.items).toEqual([]);
  });
});
