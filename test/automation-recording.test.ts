import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServices, type Services } from '../src/app.js';
import { appendEvents, learnersWithQueuedEvents, learnersWithUndecidedEvents } from '../src/automation/event-store.js';
import { upsertLearners } from '../src/automation/learner-store.js';
import { processEventsJob, type ProcessEventsPayload } from '../src/automation/process-events-job.js';
import { sourceKey } from '../src/automation/source-keys.js';
import { loadConfig } from '../src/config.js';
import type { NormalizedEvent } from '../src/events/event.js';
import { inTransaction } from '../src/db/database.js';
import { openedxTypes } from '../src/events/openedx/event-types.js';
import { newId } from '../src/kernel/ids.js';
import { MasterSecret } from '../src/kernel/secrets.js';
import { describeEachDatabase } from './support/databases.js';
import { seedRuleBadges } from './support/rule-badges.js';

const secret = new MasterSecret('recording-test-secret-recording-test!!');
const courseKey = (course: string) => `course-v1:LaurelX+${course}+2025`;

const passingStatus = (learner: number, course: string, isPassing = true): NormalizedEvent => ({
  id: randomUUID(),
  type: openedxTypes.coursePassingStatusUpdated,
  time: new Date().toISOString(),
  source: 'openedx/lms/web',
  user: { id: String(learner), email: `learner${learner}@example.org` },
  data: {
    is_passing: isPassing,
    course: { course_key: courseKey(course), display_name: course, start: null, end: null },
    user: { id: learner, is_active: true, pii: { username: `learner${learner}`, email: `learner${learner}@example.org`, name: `Learner ${learner}` } },
  },
});

describeEachDatabase('events decided as they are recorded', (database) => {
  const organizationId = newId('organization');
  const context = { organizationId, actor: { type: 'system' as const, id: 'test' }, requestId: null, role: null };
  let services: Services;
  let aAndB: string;
  let keepC: string;

  beforeAll(async () => {
    const requirement = (course: string, ...more: { path: string; op: 'eq'; value: string }[]) => ({
      eventType: openedxTypes.coursePassingStatusUpdated,
      rules: [{ path: 'course.course_key', op: 'eq' as const, value: courseKey(course) }, ...more],
    });
    [aAndB, keepC] = (await seedRuleBadges(database(), secret, organizationId, [
      { name: 'A and B', requirements: [requirement('A'), requirement('B')] },
      {
        name: 'Pass C and keep it',
        requirements: [requirement('C', { path: 'is_passing', op: 'eq', value: 'True' })],
        penalties: (ids) => [{ ...requirement('C', { path: 'is_passing', op: 'eq', value: 'False' }), requirementIds: ids }],
      },
    ])) as [string, string];
    services = createServices({ config: loadConfig({ LAUREL_PUBLIC_URL: 'https://badges.example.edu', LAUREL_LOG_LEVEL: 'silent' }), db: database(), secret });
  });
  afterAll(async () => {
    await services?.issuing.close();
  });

  const eventIds = (receipts: Awaited<ReturnType<Services['automation']['ingestion']['record']>>) => receipts.map((r) => (r.status === 'rejected' ? '' : r.eventId));
  const decided = async (ids: readonly string[]) =>
    (await database().selectFrom('rule_decisions').select('event_id').where('event_id', 'in', ids).orderBy('created_at').orderBy('event_id').execute()).map((d) => d.event_id);
  /** The `events.process` jobs enqueued so far, by payload, and the jobs table emptied of them. */
  const takeJobs = async (): Promise<ProcessEventsPayload[]> => {
    const jobs = await database().deleteFrom('jobs').where('organization_id', '=', organizationId).where('kind', '=', processEventsJob).returning('payload').execute();
    return jobs.map((job) => job.payload as unknown as ProcessEventsPayload);
  };
  const awardsOf = (badgeClassId: string, email: string) =>
    database().selectFrom('awards').select('status').where('badge_class_id', '=', badgeClassId).where('recipient_email', '=', email).execute();

  it('decides an event that awards nothing before answering, with no job left to run', async () => {
    await takeJobs();
    const ids = eventIds(await services.automation.ingestion.record(context, [passingStatus(1, 'A'), passingStatus(2, 'A')]));
    expect(await decided(ids)).toHaveLength(2);
    expect(await takeJobs()).toEqual([]);
    const explained = await services.automation.insight.decisionsOf(context, ids[0]!);
    expect(explained).toMatchObject({ status: 'processed', decisions: [{ transitions: [] }] });
    expect(explained.decisions[0]!.explanation.badgeClasses).toMatchObject([{ badgeClassId: aAndB, after: { fulfilledGroups: 1, groups: 2 }, transition: 'none' }]);
  });

  it("leaves an event that awards to its job, and that learner's later events with it, in order", async () => {
    await takeJobs();
    // Learner 3 passes C (an award) and fails it (a revocation) in one batch; learner 4 only passes A.
    const ids = eventIds(await services.automation.ingestion.record(context, [passingStatus(3, 'C'), passingStatus(4, 'A'), passingStatus(3, 'C', false)]));
    expect(await decided(ids)).toEqual([ids[1]]);
    const jobs = await takeJobs();
    expect(jobs).toEqual([{ eventIds: [ids[0], ids[2]] }]);

    await services.automation.processor.process(jobs[0]!);
    expect(await decided(ids)).toEqual([ids[1], ids[0], ids[2]]);
    expect(await awardsOf(keepC, 'learner3@example.org')).toEqual([{ status: 'revoked' }]);
  });

  it('finds the learners whose events wait in queued jobs, and leaves a long queue to the per-learner check', async () => {
    await takeJobs();
    const ids = eventIds(await services.automation.ingestion.record(context, [passingStatus(6, 'C'), passingStatus(7, 'A')]));
    const learnerOf = async (eventId: string) => (await database().selectFrom('learning_events').select('learner_id').where('id', '=', eventId).executeTakeFirstOrThrow()).learner_id;
    const [awarding, decidedHere] = [await learnerOf(ids[0]!), await learnerOf(ids[1]!)];
    const query = { organizationId, learnerIds: [awarding, decidedHere], since: new Date(Date.now() - 60_000) };
    expect(await learnersWithQueuedEvents(database(), { ...query, maxJobs: 10 })).toEqual(new Set([awarding]));
    expect(await learnersWithQueuedEvents(database(), { ...query, maxJobs: 0 })).toBeUndefined();
    expect(await learnersWithQueuedEvents(database(), { ...query, since: new Date(Date.now() + 60_000), maxJobs: 10 })).toEqual(new Set());
    await database().updateTable('jobs').set({ status: 'done', finished_at: new Date() }).where('organization_id', '=', organizationId).where('kind', '=', processEventsJob).execute();
    expect(await learnersWithQueuedEvents(database(), { ...query, maxJobs: 10 })).toEqual(new Set());
  });

  it('records an event that concerns no rule as decided, and passes over it when checking that a learner is decided in order', async () => {
    await takeJobs();
    const { ingestion, insight } = services.automation;
    // Learner 8 passes C (an award, left to its job), then passes Z, a course no rule names.
    const [awarding] = eventIds(await ingestion.record(context, [passingStatus(8, 'C')]));
    const [unconcerned] = eventIds(await ingestion.record(context, [passingStatus(8, 'Z')]));
    expect(await takeJobs()).toEqual([{ eventIds: [awarding] }]);

    // Decided as recorded, with no decision row: the index ruled out all four requirements and penalties on passing status.
    expect(await decided([unconcerned!])).toEqual([]);
    const explained = await insight.decisionsOf(context, unconcerned!);
    expect(explained).toMatchObject({ status: 'processed', decisions: [{ eventId: unconcerned, transitions: [], explanation: { badgeClasses: [], skippedByIndex: 4 } }] });
    expect(explained.decisions[0]!.createdAt).toEqual(explained.event.receivedAt);
    const { items } = await insight.eventsOf(context, explained.event.learnerId, { limit: 10 });
    expect(items.map((event) => [event.id, event.processed])).toEqual([
      [unconcerned, true],
      [awarding, false],
    ]);

    // The learner's latest event is decided, but the award before it is not: a later event must wait for it.
    const query = { learnerIds: [explained.event.learnerId], since: new Date(Date.now() - 60_000) };
    expect(await learnersWithUndecidedEvents(database(), query)).toEqual(new Set([explained.event.learnerId]));
    await services.automation.processor.process({ eventIds: [awarding!] });
    expect(await awardsOf(keepC, 'learner8@example.org')).toEqual([{ status: 'awarded' }]);
    // The award recorded Laurel's own badge event for the learner, which no rule concerns either.
    // Now the latest events concern no rule, and everything is decided: nothing to wait for.
    await ingestion.record(context, [passingStatus(8, 'Y')]);
    expect(await learnersWithUndecidedEvents(database(), query)).toEqual(new Set());
  });

  it('records the badge event of an award decided, with no job, when no rule concerns badge events', async () => {
    await takeJobs();
    const { ingestion, insight, processor } = services.automation;
    const [awarding] = eventIds(await ingestion.record(context, [passingStatus(10, 'C')]));
    expect(await takeJobs()).toEqual([{ eventIds: [awarding] }]);
    const decidedSoFar = async () => (await services.metrics.eventsProcessed.get()).values[0]?.value ?? 0;
    const before = await decidedSoFar();
    await processor.process({ eventIds: [awarding!] });
    expect(await awardsOf(keepC, 'learner10@example.org')).toEqual([{ status: 'awarded' }]);
    expect(await takeJobs()).toEqual([]);
    // Both counted as decided: the event that awarded, and the badge event its award recorded.
    expect((await decidedSoFar()) - before).toBe(2);

    const badgeEvent = await database().selectFrom('learning_events').select('id').where('caused_by', '=', awarding!).executeTakeFirstOrThrow();
    const explained = await insight.decisionsOf(context, badgeEvent.id);
    expect(explained).toMatchObject({
      event: { event: { type: openedxTypes.badgeAwarded, user: { id: '10' } } },
      status: 'processed',
      decisions: [{ transitions: [], explanation: { badgeClasses: [], skippedByIndex: 0 } }],
    });
  });

  it('appends only what is new, and lists the new events once each, in the order given', async () => {
    const [known, fresh, other] = [passingStatus(11, 'Z'), passingStatus(11, 'Y'), passingStatus(11, 'X')];
    const appended = await inTransaction(database(), async (tx) => {
      const learners = await upsertLearners(tx, organizationId, [{ source: known.source, externalId: known.user.id, at: new Date(known.time) }]);
      const learnerId = [...learners.values()][0]!;
      await appendEvents(tx, organizationId, [{ event: known, learnerId }]);
      return appendEvents(tx, organizationId, [{ event: fresh, learnerId, depth: 1 }, { event: known, learnerId }, { event: fresh, learnerId, depth: 2 }, { event: other, learnerId }]);
    });
    expect(appended.ids.size).toBe(3);
    expect(appended.added.map((a) => [a.event.id, a.depth, a.id, a.receivedAt])).toEqual([
      [fresh.id, 1, appended.ids.get(sourceKey(fresh.source, fresh.id)), appended.inserted.get(appended.ids.get(sourceKey(fresh.source, fresh.id))!)],
      [other.id, undefined, appended.ids.get(sourceKey(other.source, other.id)), appended.inserted.get(appended.ids.get(sourceKey(other.source, other.id))!)],
    ]);
    expect(appended.added.every((a) => a.receivedAt instanceof Date)).toBe(true);
    expect(new Set(appended.added.map((a) => a.id))).toEqual(new Set(appended.inserted.keys()));
  });

  it("records an event older than the learner's newest for the same learner, keeping the newer contact details", async () => {
    const { ingestion, insight } = services.automation;
    const [newer] = eventIds(await ingestion.record(context, [passingStatus(9, 'Z')]));
    const older = { ...passingStatus(9, 'Y'), time: new Date(Date.now() - 3_600_000).toISOString(), user: { id: '9', email: 'old-address@example.org' } };
    const [receipt] = await ingestion.record(context, [older]);
    expect(receipt).toMatchObject({ status: 'accepted' });
    const learnerOf = async (eventId: string) => (await insight.decisionsOf(context, eventId)).event.learnerId;
    expect(await learnerOf(receipt!.status === 'accepted' ? receipt!.eventId : '')).toBe(await learnerOf(newer!));
    const { items } = await insight.findLearners(context, { source: older.source, externalId: '9', limit: 10 });
    expect(items.map((learner) => learner.email)).toEqual(['learner9@example.org']);
  });

  it("counts each event once when two recordings of one learner's events run at once", async () => {
    await takeJobs();
    const { ingestion } = services.automation;
    const receipts = await Promise.all([ingestion.record(context, [passingStatus(5, 'A')]), ingestion.record(context, [passingStatus(5, 'B')])]);
    for (const job of await takeJobs()) await services.automation.processor.process(job);
    expect(await decided(receipts.flatMap(eventIds))).toHaveLength(2);
    expect(await awardsOf(aAndB, 'learner5@example.org')).toEqual([{ status: 'awarded' }]);
  });
});
