/**
 * A badge awarded from the Open edX bus, for tests that run real `laurel worker` processes against
 * Redis and PostgreSQL: "Bus Graduate" needs passing course A and course B. Each learner sends four
 * course passing status events — another course, A, a failed course C, then B — so the fourth one
 * awards the badge, which Laurel then publishes back on the stream.
 */
import { sql } from 'kysely';
import type { Redis } from 'ioredis';
import { isDecided } from '../../src/automation/event-store.js';
import type { Db } from '../../src/db/database.js';
import { openedxTypes } from '../../src/events/openedx/event-types.js';
import { decodeMessage } from '../../src/events/openedx/wire.js';
import { MasterSecret } from '../../src/kernel/secrets.js';
import { lmsSource, type LmsEvent } from './lms-producer.js';
import { seedRuleBadges } from './rule-badges.js';

export const busSecret = 'bus-test-secret-bus-test-secret-bus-test!';
export const eventsPerLearner = 4;
const courseKey = (name: string) => `course-v1:LaurelX+${name}+2025`;

const passing = (user: number, course: string, isPassing: boolean): LmsEvent => ({
  type: openedxTypes.coursePassingStatusUpdated,
  payload: {
    is_passing: isPassing,
    course: { course_key: courseKey(course), display_name: course, start: null, end: null },
    user: { id: user, is_active: true, pii: { username: `learner${user}`, email: `learner${user}@example.org`, name: `Learner ${user}` } },
  },
});

/** The four events of each learner `first`, `first + 1`, …, one learner after the other. */
export function graduateEvents(first: number, learners: number): LmsEvent[] {
  return Array.from({ length: learners }, (_, n) => first + n).flatMap((user) => [
    passing(user, 'Intro', true),
    passing(user, 'A', true),
    passing(user, 'C', false),
    passing(user, 'B', true),
  ]);
}

/** The bus organisation with the "Bus Graduate" badge class; resolves to its id. */
export async function seedGraduateBadge(db: Db, organizationId: string): Promise<string> {
  const requirement = (course: string) => ({
    eventType: openedxTypes.coursePassingStatusUpdated,
    rules: [
      { path: 'course.course_key', op: 'eq' as const, value: courseKey(course) },
      { path: 'is_passing', op: 'eq' as const, value: true },
    ],
  });
  const [badgeClassId] = await seedRuleBadges(db, new MasterSecret(busSecret), organizationId, [{ name: 'Bus Graduate', requirements: [requirement('A'), requirement('B')] }]);
  return badgeClassId!;
}

/** The environment of a `laurel worker` on the bus. */
export function busWorkerEnv(databaseUrl: string, busUrl: string, prefix: string, organizationId: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    LAUREL_SECRET: busSecret,
    LAUREL_PUBLIC_URL: 'https://badges.example.edu',
    LAUREL_LOG_LEVEL: 'warn',
    LAUREL_EVENT_BUS_URL: busUrl,
    LAUREL_EVENT_BUS_PREFIX: prefix,
    LAUREL_EVENT_BUS_ORGANIZATION: organizationId,
  };
}

/** What the LMS's events led to (Laurel also records its own badge events, which are left out here). */
export interface BusCounts {
  events: number;
  /** LMS events decided: with a decision row, or recorded decided (they concern no rule). */
  decisions: number;
  awards: number;
  /** Jobs not finished yet (pending or running) and jobs that failed for good. */
  unfinishedJobs: number;
  failedJobs: number;
}

export async function busCounts(db: Db): Promise<BusCounts> {
  const { rows } = await sql<BusCounts>`
    select (select count(*) from learning_events where source = ${lmsSource})::int as events,
           (select count(*) from learning_events e where e.source = ${lmsSource} and ${isDecided('e')})::int as decisions,
           (select count(*) from awards)::int as awards,
           (select count(*) from jobs where status in ('pending', 'running'))::int as "unfinishedJobs",
           (select count(*) from jobs where status = 'failed')::int as "failedJobs"`.execute(db);
  return rows[0]!;
}

/** How many times each LMS event id was recorded (a duplicate would show as 2). */
export async function recordingsPerEvent(db: Db): Promise<Map<string, number>> {
  const { rows } = await sql<{ external_id: string; times: number }>`
    select external_id, count(*)::int as times from learning_events where source = ${lmsSource} group by external_id`.execute(db);
  return new Map(rows.map((row) => [row.external_id, row.times]));
}

/** Awards of the badge class per recipient e-mail. */
export async function awardsPerRecipient(db: Db, badgeClassId: string): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom('awards').select(['id', 'recipient_email']).where('badge_class_id', '=', badgeClassId).execute();
  const byRecipient = new Map<string, string[]>();
  for (const row of rows) byRecipient.set(row.recipient_email, [...(byRecipient.get(row.recipient_email) ?? []), row.id]);
  return byRecipient;
}

/** Laurel's `badge.awarded` events on the stream: the event ids published for each award (BadgeData `uuid`). */
export async function publishedAwards(redis: Redis, stream: string): Promise<Map<string, string[]>> {
  const byAward = new Map<string, string[]>();
  for (const [id, fields] of await redis.xrangeBuffer(stream, '-', '+')) {
    const message = decodeMessage(id.toString(), fields);
    if (message.status !== 'accepted' || message.event.type !== openedxTypes.badgeAwarded) continue;
    const awardId = String(message.event.data.uuid);
    byAward.set(awardId, [...(byAward.get(awardId) ?? []), message.event.id]);
  }
  return byAward;
}

/** Entries delivered to Laurel's group and not acknowledged yet; Infinity until a worker has created the group. */
export async function pendingEntries(redis: Redis, stream: string): Promise<number> {
  try {
    return Number(((await redis.xpending(stream, 'laurel')) as unknown[])[0]);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOGROUP')) return Number.POSITIVE_INFINITY;
    throw error;
  }
}
