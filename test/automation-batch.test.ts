import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServices, type Services } from '../src/app.js';
import { appendEvents } from '../src/automation/event-store.js';
import { upsertLearners } from '../src/automation/learner-store.js';
import { loadConfig } from '../src/config.js';
import { inTransaction } from '../src/db/database.js';
import type { NormalizedEvent } from '../src/events/event.js';
import { openedxTypes } from '../src/events/openedx/event-types.js';
import { RetryLaterError } from '../src/jobs/errors.js';
import { newId } from '../src/kernel/ids.js';
import { MasterSecret } from '../src/kernel/secrets.js';
import { describeEachDatabase } from './support/databases.js';
import { seedRuleBadges } from './support/rule-badges.js';

const secret = new MasterSecret('batch-test-secret-batch-test-secret-!!');
const courseKey = (course: string) => `course-v1:LaurelX+${course}+2025`;

const passingStatus = (course: string, isPassing: boolean, learner = { id: 7, name: 'ann' }): NormalizedEvent => ({
  id: randomUUID(),
  type: openedxTypes.coursePassingStatusUpdated,
  time: new Date().toISOString(),
  source: 'openedx/lms/web',
  user: { id: String(learner.id), email: `${learner.name}@example.org` },
  data: {
    is_passing: isPassing,
    course: { course_key: courseKey(course), display_name: course, start: null, end: null },
    user: { id: learner.id, is_active: true, pii: { username: learner.name, email: `${learner.name}@example.org`, name: learner.name } },
  },
});
const passed = (course: string) => passingStatus(course, true);
const bob = { id: 8, name: 'bob' };

describeEachDatabase('events of one learner decided by two jobs at once', (database) => {
  const organizationId = newId('organization');
  const context = { organizationId, actor: { type: 'system' as const, id: 'test' }, requestId: null, role: null };
  let services: Services;
  let badgeClassId: string;
  let passAndKeepId: string;

  beforeAll(async () => {
    const requirement = (course: string) => ({ eventType: openedxTypes.coursePassingStatusUpdated, rules: [{ path: 'course.course_key', op: 'eq' as const, value: courseKey(course) }] });
    const failing = (course: string) => ({ eventType: openedxTypes.coursePassingStatusUpdated, rules: [{ path: 'course.course_key', op: 'eq' as const, value: courseKey(course) }, { path: 'is_passing', op: 'eq' as const, value: 'False' }] });
    [badgeClassId, passAndKeepId] = (await seedRuleBadges(database(), secret, organizationId, [
      { name: 'A and B', requirements: [requirement('A'), requirement('B')] },
      { name: 'Pass C and keep it', requirements: [{ ...requirement('C'), rules: [...requirement('C').rules, { path: 'is_passing', op: 'eq' as const, value: 'True' }] }], penalties: (ids) => [{ ...failing('C'), requirementIds: ids }] },
    ])) as [string, string];
    services = createServices({ config: loadConfig({ LAUREL_PUBLIC_URL: 'https://badges.example.edu', LAUREL_LOG_LEVEL: 'silent' }), db: database(), secret });
  });
  afterAll(async () => {
    await services?.issuing.close();
  });

  const recordForJob = (event: NormalizedEvent) =>
    inTransaction(database(), async (tx) => {
      const learners = await upsertLearners(tx, organizationId, [{ source: event.source, externalId: event.user.id, email: event.user.email, at: new Date(event.time) }]);
      const { inserted } = await appendEvents(tx, organizationId, [{ event, learnerId: [...learners.values()][0]! }]);
      return [...inserted.keys()][0]!;
    });

  it('counts each event once: a job whose learner states changed under it writes nothing and is retried', async () => {
    const { processor } = services.automation;
    // Two events recorded for their jobs alone (as when deciding them while recording failed),
    // each job's batch holding one event of the same learner.
    const jobs = [{ eventIds: [await recordForJob(passed('A'))] }, { eventIds: [await recordForJob(passed('B'))] }];

    const outcomes = await Promise.allSettled(jobs.map((job) => processor.process(job)));
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === 'fulfilled') continue;
      expect(outcome.reason).toBeInstanceOf(RetryLaterError);
      await processor.process(jobs[index]!);
    }

    const db = database();
    const decisions = await db.selectFrom('rule_decisions').select('event_id').where('organization_id', '=', organizationId).execute();
    expect(decisions.map((d) => d.event_id).sort()).toEqual(jobs.flatMap((job) => job.eventIds).sort());
    const awards = await db.selectFrom('awards').select(['id', 'recipient_email']).where('badge_class_id', '=', badgeClassId).execute();
    expect(awards).toEqual([{ id: expect.stringMatching(/^awd_/), recipient_email: 'ann@example.org' }]);
    const state = await db.selectFrom('learner_badge_states').select(['state', 'award_id']).where('badge_class_id', '=', badgeClassId).executeTakeFirstOrThrow();
    expect(state).toMatchObject({ award_id: awards[0]!.id, state: { status: 'awarded', fulfilled: expect.arrayContaining([expect.stringMatching(/^req_/), expect.stringMatching(/^req_/)]) } });
  });

  it("decides a learner's events in the order they were recorded, although a later one's job runs first", async () => {
    const { ingestion, processor } = services.automation;
    const [pass] = await ingestion.record(context, [passingStatus('C', true, bob)]);
    const [fail] = await ingestion.record(context, [passingStatus('C', false, bob)]);
    const eventIdOf = (receipt: typeof pass) => (receipt?.status === 'accepted' ? receipt.eventId : '');
    // The pass awards, so its job decides it; the fail, recorded while the pass is undecided, is
    // left to a job as well rather than decided ahead of it.
    const db = database();
    expect(await db.selectFrom('rule_decisions').select('event_id').where('event_id', 'in', [eventIdOf(pass), eventIdOf(fail)]).execute()).toEqual([]);

    // The fail's job starts first; it must wait for the pass, or the penalty finds nothing to
    // undo and the pass awards a badge the learner no longer deserves.
    const failJob = processor.process({ eventIds: [eventIdOf(fail)] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await processor.process({ eventIds: [eventIdOf(pass)] });
    await failJob;

    const awards = await db.selectFrom('awards').select(['status', 'revocation_reason']).where('badge_class_id', '=', passAndKeepId).execute();
    expect(awards).toEqual([{ status: 'revoked', revocation_reason: expect.any(String) }]);
    const decided = await db.selectFrom('rule_decisions').select('event_id').where('event_id', 'in', [eventIdOf(pass), eventIdOf(fail)]).orderBy('created_at').execute();
    expect(decided.map((d) => d.event_id)).toEqual([eventIdOf(pass), eventIdOf(fail)]);
  });
});
