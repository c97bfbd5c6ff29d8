import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { openedxTypes } from '../../src/events/openedx/event-types.js';
import { decodeMessage } from '../../src/events/openedx/wire.js';
import { useBusApp } from '../support/bus-app.js';
import { describeWithRedis } from '../support/databases.js';
import { setUpIssuing, waitFor, type IssuingSetup } from '../support/issuing.js';
import { lmsEntry } from '../support/lms-producer.js';

const courseKey = 'course-v1:LaurelX+Data101+2025';

const passingPayload = (userId: number) => ({
  is_passing: true,
  course: { course_key: courseKey, display_name: 'Data 101', start: null, end: null },
  user: { id: userId, is_active: true, pii: { username: `learner${userId}`, email: `learner${userId}@example.org`, name: `Learner ${userId}` } },
});

/** A course passing status event as edx-platform puts it on the bus. */
const passingStatusEntry = (userId: number) => lmsEntry({ type: openedxTypes.coursePassingStatusUpdated, payload: passingPayload(userId) });

describeWithRedis('Open edX event bus in the running service', () => {
  const bus = useBusApp();
  const { organizationId, stream } = bus;
  let setup: IssuingSetup;

  it('awards from a passing status on the bus and publishes badge.awarded back in the upstream wire format', async () => {
    // The organisation must have the configured id; setting it up by name then finds it.
    await bus.app.database.db.insertInto('organizations').values({ id: organizationId, name: 'Bus University' }).execute();
    setup = await setUpIssuing(bus.app, 'Bus University');
    expect(setup.organizationId).toBe(organizationId);
    const requirement = await bus.app.call('POST', `/api/v1/badge-classes/${setup.badgeClassId}/requirements`, {
      token: setup.token,
      body: { eventType: openedxTypes.coursePassingStatusUpdated, rules: [{ path: 'course.course_key', op: 'eq', value: courseKey }, { path: 'is_passing', op: 'eq', value: true }] },
    });
    expect(requirement.status, requirement.text).toBe(201);
    expect((await bus.app.call('POST', `/api/v1/badge-classes/${setup.badgeClassId}/activate`, { token: setup.token })).status).toBe(200);

    await bus.redis.xadd(stream, '*', 'type', openedxTypes.coursePassingStatusUpdated, 'id', 'garbage', 'event_data', Buffer.from([0xff]));
    await bus.redis.xadd(stream, '*', ...passingStatusEntry(4242));

    const awards = await waitFor(
      () => bus.app.call('GET', '/api/v1/awards?recipientEmail=learner4242@example.org', { token: setup.token }),
      (response) => response.body.items.length > 0,
    );
    const [award] = awards.body.items;
    expect(award).toMatchObject({ badgeClassId: setup.badgeClassId, status: 'awarded' });

    const published = await waitFor(
      async () => (await bus.redis.xrangeBuffer(stream, '-', '+')).map(([id, fields]) => decodeMessage(id.toString(), fields)).filter((m) => m.headers.type === openedxTypes.badgeAwarded),
      (messages) => messages.length > 0,
    );
    expect(published).toHaveLength(1);
    const [message] = published;
    expect(message?.status).toBe('accepted');
    if (message?.status !== 'accepted') return;
    expect(message.headers).toMatchObject({ source: 'openedx/laurel/web', minorversion: '0', time: expect.stringMatching(/\+00:00$/) });
    expect(message.event.data).toEqual({
      uuid: award.id,
      user: { id: 4242, is_active: true, pii: { username: 'learner4242', email: 'learner4242@example.org', name: 'Learner 4242' } },
      template: { uuid: setup.badgeClassId, origin: 'laurel', name: 'Data Literacy', description: 'Reads, questions and explains data.', image_url: expect.stringMatching(new RegExp(`/images/${setup.imageId}$`)) },
    });

    // Everything was acknowledged: the malformed entry (rejected) and Laurel's own echo (skipped) too.
    const pending = await waitFor(async () => Number(((await bus.redis.xpending(stream, 'laurel')) as unknown[])[0]), (count) => count === 0);
    expect(pending).toBe(0);
    const events = await bus.app.call('GET', '/api/v1/learners?source=openedx/laurel/web', { token: setup.token });
    expect(events.body.items).toEqual([]);
  });

  it('fails the publication of an award permanently when the learner has no numeric LMS user id', async () => {
    const event = { id: randomUUID(), type: openedxTypes.coursePassingStatusUpdated, time: new Date().toISOString(), source: 'lms.example', user: { id: 'ann', email: 'ann@example.org' }, data: passingPayload(7) };
    expect((await bus.app.call('POST', '/api/v1/events', { token: setup.token, body: event })).status).toBe(202);
    const failed = await waitFor(
      () => bus.app.call('GET', '/api/v1/jobs?kind=openedx.badge.publish&status=failed', { token: setup.token }),
      (response) => response.body.items.length > 0,
    );
    expect(failed.body.items).toEqual([expect.objectContaining({ attempts: 1, lastError: expect.stringContaining('"ann" from lms.example, not a numeric Open edX LMS user id') })]);
  });
});
