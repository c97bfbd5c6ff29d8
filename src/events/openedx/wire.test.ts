import { describe, expect, it } from 'vitest';
import { openedxEventType, openedxEventTypes, openedxTypes } from './event-types.js';
import { decodeMessage, encodeMessage, pythonIsoTime, streamName, type WireHeaders } from './wire.js';

const user = { id: 3, is_active: true, pii: { username: 'edx', email: 'edx@example.com', name: '' } };
const course = { course_key: 'course-v1:OpenedX+DemoX+Demo_Course', display_name: '', start: null, end: null };

const samples: Record<string, Record<string, unknown>> = {
  [openedxTypes.coursePassingStatusUpdated]: { is_passing: true, course, user },
  [openedxTypes.ccxCoursePassingStatusUpdated]: {
    is_passing: false,
    user,
    course: { ccx_course_key: 'ccx-v1:OpenedX+DemoX+Demo_Course+ccx@1', master_course_key: course.course_key, display_name: '', coach_email: '', start: null, end: null, max_students_allowed: 20 },
  },
  [openedxTypes.certificateCreated]: { user, course, mode: 'verified', grade: '0.9', download_url: '', name: 'Cert', current_status: 'downloadable', previous_status: '' },
  [openedxTypes.courseEnrollmentCreated]: { user, course, mode: 'audit', is_active: true, creation_date: '2025-01-01T00:00:00+00:00', created_by: null },
  [openedxTypes.persistentGradeSummaryChanged]: {
    user_id: 3,
    course,
    course_edited_timestamp: '2025-01-01T00:00:00+00:00',
    course_version: 'v1',
    grading_policy_hash: 'h',
    percent_grade: 0.92,
    letter_grade: 'A',
    passed_timestamp: '2025-02-01T00:00:00+00:00',
  },
  [openedxTypes.badgeAwarded]: { uuid: 'b-1', user, template: { uuid: 'bc_1', origin: 'laurel', name: 'N', description: null, image_url: null } },
  [openedxTypes.badgeRevoked]: { uuid: 'b-1', user, template: { uuid: 'bc_1', origin: 'laurel', name: null, description: null, image_url: null } },
};

const headers = (type: string): WireHeaders => ({
  type,
  id: '3c9f4e7e-6b8a-11ef-8000-000000000001',
  source: 'openedx/lms/web',
  time: '2023-01-01T14:00:00+00:00',
  minorversion: '0',
  sourcehost: 'lms-worker-1',
  sourcelib: '11.2.0',
});

/** The flat buffer list Redis hands back for an entry. */
const asEntry = (fields: (string | Buffer)[]) => fields.map((field) => (Buffer.isBuffer(field) ? field : Buffer.from(field)));

describe('openedx/event-bus-redis wire format', () => {
  it('names streams {prefix}-{topic}', () => {
    expect(streamName('learning-badges-lifecycle', 'dev')).toBe('dev-learning-badges-lifecycle');
    expect(streamName('learning-badges-lifecycle')).toBe('learning-badges-lifecycle');
  });

  it('formats times as Python isoformat()', () => {
    expect(pythonIsoTime(new Date('2023-01-01T14:00:00Z'))).toBe('2023-01-01T14:00:00+00:00');
    expect(pythonIsoTime(new Date('2023-01-01T14:00:00.250Z'))).toBe('2023-01-01T14:00:00.250000+00:00');
  });

  it('encodes the reference worked example byte for byte (schemaless Avro, no header)', () => {
    const fields = encodeMessage(headers(openedxTypes.coursePassingStatusUpdated), samples[openedxTypes.coursePassingStatusUpdated] ?? {});
    expect(fields.filter((_, i) => i % 2 === 0)).toEqual(['type', 'id', 'source', 'time', 'minorversion', 'sourcehost', 'sourcelib', 'event_data']);
    expect((fields.at(-1) as Buffer).toString('hex')).toBe(
      '0146636f757273652d76313a4f70656e6564582b44656d6f582b44656d6f5f436f757273650000000601066564781e656478406578616d706c652e636f6d00',
    );
  });

  it.each(openedxEventTypes.map((t) => t.type))('round-trips %s into a normalised event', (type) => {
    const payload = samples[type] ?? {};
    const decoded = decodeMessage('1700000000000-0', asEntry(encodeMessage(headers(type), payload)));
    expect(decoded).toMatchObject({ status: 'accepted', headers: headers(type) });
    if (decoded.status !== 'accepted') return;
    expect(decoded.event).toMatchObject({ id: headers(type).id, type, time: '2023-01-01T14:00:00+00:00', source: 'openedx/lms/web', data: payload });
    const expectedUser = type === openedxTypes.persistentGradeSummaryChanged ? { id: '3' } : { id: '3', email: 'edx@example.com', username: 'edx' };
    expect(decoded.event.user).toEqual(expectedUser);
    expect(openedxEventType(type)?.validateData(decoded.event.data)).toEqual([]);
  });

  it('keeps the CCX field order (is_passing, user, course) distinct from the normal one', () => {
    const normal = encodeMessage(headers(openedxTypes.coursePassingStatusUpdated), samples[openedxTypes.coursePassingStatusUpdated] ?? {}).at(-1) as Buffer;
    const ccxPayload = { ...(samples[openedxTypes.ccxCoursePassingStatusUpdated] ?? {}), is_passing: true };
    const ccx = encodeMessage(headers(openedxTypes.ccxCoursePassingStatusUpdated), ccxPayload).at(-1) as Buffer;
    // After the boolean, the CCX record continues with the user id (zig-zag 3 = 0x06), the other with the course key length.
    expect(ccx.subarray(0, 2).toString('hex')).toBe('0106');
    expect(normal.subarray(0, 2).toString('hex')).toBe('0146');
  });

  it('rejects malformed messages with a reason instead of throwing', () => {
    const good = asEntry(encodeMessage(headers(openedxTypes.coursePassingStatusUpdated), samples[openedxTypes.coursePassingStatusUpdated] ?? {}));
    const withData = (data: Buffer) => [...good.slice(0, -1), data];
    const reasons = [
      decodeMessage('1-0', withData(Buffer.from([0x01, 0x46, 0x63]))),
      decodeMessage('1-0', withData(Buffer.concat([good.at(-1) as Buffer, Buffer.from([0])]))),
      decodeMessage('1-0', good.slice(0, -2)),
      decodeMessage('1-0', asEntry(['type', 'org.example.unknown.v1', 'event_data', 'x'])),
      decodeMessage('1-0', asEntry(['event_data', 'x'])),
      decodeMessage('1-0', null),
      decodeMessage('1-0', [...good.slice(0, 6), Buffer.from('time'), Buffer.from('not a time'), ...good.slice(8)]),
    ].map((decoded) => (decoded.status === 'rejected' ? decoded.reason : 'accepted'));
    expect(reasons).toEqual([
      expect.stringContaining('truncated'),
      expect.stringContaining('trailing data'),
      'missing field "event_data"',
      'unknown event type org.example.unknown.v1',
      'missing header "type"',
      'entry was deleted from the stream before it was read',
      'invalid header "time": not a time',
    ]);
  });

  it('fills missing optional headers deterministically from the entry id', () => {
    const payload = encodeMessage(headers(openedxTypes.badgeAwarded), samples[openedxTypes.badgeAwarded] ?? {}).at(-1) as Buffer;
    const decoded = decodeMessage('1700000000000-5', asEntry(['type', openedxTypes.badgeAwarded, 'event_data', payload]));
    expect(decoded).toMatchObject({ status: 'accepted', event: { id: 'redis:1700000000000-5', time: '2023-11-14T22:13:20+00:00' } });
  });
});
