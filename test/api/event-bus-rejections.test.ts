import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openedxTypes } from '../../src/events/openedx/event-types.js';
import { badgesTopic, encodeMessage, pythonIsoTime, streamName } from '../../src/events/openedx/wire.js';
import { newId } from '../../src/kernel/ids.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { databaseKinds, describeWithRedis, redisUrl } from '../support/databases.js';
import { setUpIssuing, waitFor } from '../support/issuing.js';

const courseKey = 'course-v1:LaurelX+Stats+2025';
const course = { course_key: courseKey, display_name: 'Stats', start: null, end: null };

function entry(type: string, payload: Record<string, unknown>) {
  const headers = { type, id: randomUUID(), source: 'openedx/lms/web', time: pythonIsoTime(new Date()), minorversion: '0', sourcehost: 'lms', sourcelib: '9.15.0' };
  return encodeMessage(headers, payload);
}

/** The persistent grade summary names the learner by LMS user id alone: no e-mail. */
const gradeSummary = (userId: number, percent: number) =>
  entry(openedxTypes.persistentGradeSummaryChanged, {
    user_id: userId,
    course,
    course_edited_timestamp: '2025-01-01 00:00:00+00:00',
    course_version: 'v1',
    grading_policy_hash: 'h',
    percent_grade: percent,
    letter_grade: 'Pass',
    passed_timestamp: '2025-01-02 00:00:00+00:00',
  });

const enrollment = (userId: number) =>
  entry(openedxTypes.courseEnrollmentCreated, {
    user: { id: userId, is_active: true, pii: { username: `u${userId}`, email: `u${userId}@example.org`, name: `User ${userId}` } },
    course,
    mode: 'audit',
    is_active: true,
    creation_date: '2025-01-01 00:00:00+00:00',
    created_by: null,
  });

describeWithRedis('Open edX event bus: learners without e-mail, rejected messages', () => {
  const organizationId = newId('organization');
  const prefix = `test-${randomUUID()}`;
  const stream = streamName(badgesTopic, prefix);
  let app: TestApp;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(redisUrl ?? '');
    const kind = databaseKinds[databaseKinds.length - 1]!;
    app = await startTestApp(kind, { LAUREL_EVENT_BUS_URL: redisUrl ?? '', LAUREL_EVENT_BUS_PREFIX: prefix, LAUREL_EVENT_BUS_ORGANIZATION: organizationId }, { runWorkers: true });
  });
  afterAll(async () => {
    await app?.stop();
    await redis?.del(stream);
    redis?.disconnect();
  });

  it('records the grade summary, awards once an event names the e-mail, and stores what it cannot record', async () => {
    await app.database.db.insertInto('organizations').values({ id: organizationId, name: 'Bus Grades' }).execute();
    const setup = await setUpIssuing(app, 'Bus Grades');
    const requirement = await app.call('POST', `/api/v1/badge-classes/${setup.badgeClassId}/requirements`, {
      token: setup.token,
      body: { eventType: openedxTypes.persistentGradeSummaryChanged, rules: [{ path: 'course.course_key', op: 'eq', value: courseKey }, { path: 'percent_grade', op: 'gte', value: 0.7 }] },
    });
    expect(requirement.status, requirement.text).toBe(201);
    expect((await app.call('POST', `/api/v1/badge-classes/${setup.badgeClassId}/activate`, { token: setup.token })).status).toBe(200);

    await redis.xadd(stream, '*', ...gradeSummary(501, 0.91));
    await redis.xadd(stream, '*', 'type', openedxTypes.coursePassingStatusUpdated, 'id', 'garbage', 'event_data', Buffer.from([0xff]));
    await redis.xadd(stream, '*', 'type', 'org.openedx.learning.unheard.of.v1', 'id', 'unknown-1', 'event_data', Buffer.from([0]));
    await redis.xadd(stream, '*', 'id', 'untyped-1', 'event_data', Buffer.from([0]));

    const learner = await waitFor(
      () => app.call('GET', '/api/v1/learners?source=openedx/lms/web&externalId=501', { token: setup.token }),
      (r) => r.body.items.length > 0,
    );
    expect(learner.body.items[0]).toMatchObject({ email: null });
    const waiting = await waitFor(
      () => app.call('GET', `/api/v1/learners/${learner.body.items[0].id}/events`, { token: setup.token }),
      (r) => r.body.items[0]?.status === 'processed',
    );
    const decision = (await app.call('GET', `/api/v1/events/${waiting.body.items[0].eventId}/decisions`, { token: setup.token })).body.decisions[0];
    expect(decision.transitions).toEqual([expect.objectContaining({ kind: 'award', done: false, note: expect.stringContaining('no e-mail address yet') })]);

    await redis.xadd(stream, '*', ...enrollment(501));
    const awards = await waitFor(
      () => app.call('GET', '/api/v1/awards?recipientEmail=u501@example.org', { token: setup.token }),
      (r) => r.body.items.length > 0,
    );
    expect(awards.body.items).toEqual([expect.objectContaining({ badgeClassId: setup.badgeClassId, status: 'awarded', recipient: expect.objectContaining({ name: 'User 501' }) })]);

    const rejected = await waitFor(
      () => app.call('GET', '/api/v1/events/rejected', { token: setup.token }),
      (r) => r.body.items.length >= 3,
    );
    expect(rejected.body.items.map((r: { externalId: string | null; type: string | null; reason: string }) => [r.externalId, r.type, r.reason])).toEqual([
      ['untyped-1', null, 'missing header "type"'],
      ['unknown-1', 'org.openedx.learning.unheard.of.v1', 'unknown event type org.openedx.learning.unheard.of.v1'],
      ['garbage', openedxTypes.coursePassingStatusUpdated, expect.stringContaining('event_data is not valid Avro')],
    ]);
    expect(rejected.body.items[0]).toMatchObject({ stream, streamEntryId: expect.stringMatching(/^\d+-\d+$/), receivedAt: expect.any(String) });
    expect((await app.call('GET', '/metrics')).text).toMatch(/^laurel_event_bus_rejected_total 3$/m);
    const page = await app.call('GET', '/api/v1/events/rejected?limit=2', { token: setup.token });
    expect(page.body.items).toHaveLength(2);
    expect((await app.call('GET', `/api/v1/events/rejected?after=${page.body.nextCursor}`, { token: setup.token })).body.items).toHaveLength(1);

    const other = await app.organization('Bus Outsider');
    const outsider = await app.token(other.client.client_id, other.client.client_secret!);
    expect((await app.call('GET', '/api/v1/events/rejected', { token: outsider })).body.items).toEqual([]);
  });
});
