import avro from 'avsc';
import type { FieldError } from '../../kernel/errors.js';
import type { EventUser } from '../event.js';
import type { EventTypeDefinition } from '../event-type.js';
import { catalogOf } from '../key-paths.js';
import { avroKeyPaths } from './avro-key-paths.js';
// The Avro schemas, verbatim from openedx-events; imported (not read from disk) so they travel inside the build.
import badgeAwardedSchema from './schemas/org+openedx+learning+badge+awarded+v1.avsc.json' with { type: 'json' };
import badgeRevokedSchema from './schemas/org+openedx+learning+badge+revoked+v1.avsc.json' with { type: 'json' };
import ccxCoursePassingStatusSchema from './schemas/org+openedx+learning+ccx+course+passing+status+updated+v1.avsc.json' with { type: 'json' };
import certificateCreatedSchema from './schemas/org+openedx+learning+certificate+created+v1.avsc.json' with { type: 'json' };
import courseEnrollmentCreatedSchema from './schemas/org+openedx+learning+course+enrollment+created+v1.avsc.json' with { type: 'json' };
import coursePassingStatusSchema from './schemas/org+openedx+learning+course+passing+status+updated+v1.avsc.json' with { type: 'json' };
import persistentGradeSummarySchema from './schemas/org+openedx+learning+course+persistent_grade_summary+changed+v1.avsc.json' with { type: 'json' };

/** A built-in Open edX learning event: its Avro schema (wire format) and where the learner is in it. */
export interface OpenedxEventType extends EventTypeDefinition {
  origin: 'openedx';
  /** The single top-level field of the Avro record; its value is the payload rules read. */
  dataKey: string;
  /** The whole `CloudEvent` record as written on the bus (`{[dataKey]: payload}`). */
  avro: avro.Type;
  /** The learner named by a payload, or undefined when the payload has no usable user. */
  userOf(payload: Record<string, unknown>): EventUser | undefined;
}

export const openedxTypes = {
  coursePassingStatusUpdated: 'org.openedx.learning.course.passing.status.updated.v1',
  ccxCoursePassingStatusUpdated: 'org.openedx.learning.ccx.course.passing.status.updated.v1',
  certificateCreated: 'org.openedx.learning.certificate.created.v1',
  courseEnrollmentCreated: 'org.openedx.learning.course.enrollment.created.v1',
  persistentGradeSummaryChanged: 'org.openedx.learning.course.persistent_grade_summary.changed.v1',
  badgeAwarded: 'org.openedx.learning.badge.awarded.v1',
  badgeRevoked: 'org.openedx.learning.badge.revoked.v1',
} as const;

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `UserData` (id, is_active, pii{username, email, name}) as Laurel's learner reference. */
function fromUserData(value: unknown): EventUser | undefined {
  const user = asRecord(value);
  const pii = asRecord(user?.pii);
  if (!user || !pii || (typeof user.id !== 'number' && typeof user.id !== 'string')) return undefined;
  const result: EventUser = { id: String(user.id) };
  if (typeof pii.email === 'string' && pii.email !== '') result.email = pii.email;
  if (typeof pii.username === 'string' && pii.username !== '') result.username = pii.username;
  // Open edX sends "" when the profile has no full name.
  if (typeof pii.name === 'string' && pii.name !== '') result.name = pii.name;
  return result;
}

interface Spec {
  type: string;
  schema: object;
  description: string;
  dataKey: string;
  /** Python `datetime` attributes (serialised as ISO strings in Avro). */
  datetimePaths: string[];
  userOf(payload: Record<string, unknown>): EventUser | undefined;
}

const byUserField = (payload: Record<string, unknown>) => fromUserData(payload.user);
const courseDates = ['course.start', 'course.end'];

const specs: Spec[] = [
  {
    type: openedxTypes.coursePassingStatusUpdated,
    schema: coursePassingStatusSchema,
    description: 'A learner’s passing status in a course changed (sent on every grade recomputation).',
    dataKey: 'course_passing_status',
    datetimePaths: courseDates,
    userOf: byUserField,
  },
  {
    type: openedxTypes.ccxCoursePassingStatusUpdated,
    schema: ccxCoursePassingStatusSchema,
    description: 'A learner’s passing status in a CCX (custom course) changed.',
    dataKey: 'course_passing_status',
    // CcxCourseData declares start/end as str, so they stay strings.
    datetimePaths: [],
    userOf: byUserField,
  },
  {
    type: openedxTypes.certificateCreated,
    schema: certificateCreatedSchema,
    description: 'A course certificate was created for a learner.',
    dataKey: 'certificate',
    datetimePaths: courseDates,
    userOf: byUserField,
  },
  {
    type: openedxTypes.courseEnrollmentCreated,
    schema: courseEnrollmentCreatedSchema,
    description: 'A learner was enrolled in a course.',
    dataKey: 'enrollment',
    datetimePaths: [...courseDates, 'creation_date'],
    userOf: byUserField,
  },
  {
    type: openedxTypes.persistentGradeSummaryChanged,
    schema: persistentGradeSummarySchema,
    description: 'A learner’s persisted course grade changed (carries the LMS user id only, no e-mail).',
    dataKey: 'grade',
    datetimePaths: [...courseDates, 'course_edited_timestamp', 'passed_timestamp'],
    userOf: (payload) =>
      typeof payload.user_id === 'number' || typeof payload.user_id === 'string' ? { id: String(payload.user_id) } : undefined,
  },
  {
    type: openedxTypes.badgeAwarded,
    schema: badgeAwardedSchema,
    description: 'A badge was awarded (by Laurel or by Open edX Credentials).',
    dataKey: 'badge',
    datetimePaths: [],
    userOf: byUserField,
  },
  {
    type: openedxTypes.badgeRevoked,
    schema: badgeRevokedSchema,
    description: 'A badge was revoked (by Laurel or by Open edX Credentials).',
    dataKey: 'badge',
    datetimePaths: [],
    userOf: byUserField,
  },
];

function define(spec: Spec): OpenedxEventType {
  const cloudEvent = avro.Type.forSchema(spec.schema as avro.Schema);
  const payloadType = (cloudEvent as avro.types.RecordType).field(spec.dataKey).type;
  return {
    type: spec.type,
    origin: 'openedx',
    description: spec.description,
    dataKey: spec.dataKey,
    avro: cloudEvent,
    keyPaths: catalogOf(avroKeyPaths(payloadType, new Set(spec.datetimePaths))),
    userOf: spec.userOf,
    validateData(data: unknown): FieldError[] {
      const errors: FieldError[] = [];
      payloadType.isValid(data, {
        errorHook: (path: string[], value: unknown) => {
          errors.push({ field: `/data/${path.join('/')}`, message: `unexpected value ${JSON.stringify(value) ?? 'undefined'}` });
        },
      });
      return errors;
    },
  };
}

export const openedxEventTypes: readonly OpenedxEventType[] = specs.map(define);

const byType = new Map(openedxEventTypes.map((definition) => [definition.type, definition]));

export function openedxEventType(type: string): OpenedxEventType | undefined {
  return byType.get(type);
}
