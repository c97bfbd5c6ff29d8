/**
 * The Open edX event bus end to end, on PostgreSQL and Redis, through real `laurel worker`
 * processes: upstream-wire-format course passing status events on the Redis stream → consumer →
 * event log → `events.process` jobs → rule decisions (and the awards and bus publications they
 * cause). Rules: the rules benchmark's 100 badge classes × 3 requirements (+1 penalty each).
 *
 *   backlog  100,000 events of 10,000 learners already on the stream when the workers start;
 *            events/s from the workers being up to the last decision recorded.
 *   steady   1,000 events/s for 20 s; latency of each event from its XADD (the stream entry's
 *            time) to its decision (`rule_decisions.created_at`, the deciding transaction's start;
 *            for an event that concerns no rule, decided as recorded, its recording), p50/p95/p99,
 *            and of its two legs: to the event's recording (`learning_events.received_at`) and
 *            from there to the decision.
 *
 * Learners pass or fail courses of a catalogue of 600, of which the first 150 lead to badges, so
 * about 1 in 200 events completes a badge and is awarded (a signed credential) in the decision's
 * transaction. Settings: BENCH_BUS_WORKERS (worker processes, default 1), BENCH_BUS_BACKLOG (events,
 * default 100,000), BENCH_CPU_PROF (a folder: the workers write V8 CPU profiles there when they
 * stop), BENCH_REDIS_URL or TEST_REDIS_URL, BENCH_DATABASE_URL or TEST_DATABASE_URL.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { Redis } from 'ioredis';
import pg from 'pg';
import { processEventsJob } from '../src/automation/process-events-job.js';
import type { Db } from '../src/db/database.js';
import { openedxTypes } from '../src/events/openedx/event-types.js';
import { badgesTopic, streamName } from '../src/events/openedx/wire.js';
import { newId } from '../src/kernel/ids.js';
import { MasterSecret } from '../src/kernel/secrets.js';
import { freshDatabase } from '../test/support/databases.js';
import { startLaurel, workerReady, type LaurelProcess } from '../test/support/laurel-process.js';
import { lmsSource, produce, type LmsEvent } from '../test/support/lms-producer.js';
import { seedRuleBadges } from '../test/support/rule-badges.js';
import { ensureBuilt } from '../scripts/build.mjs';
import { badgeClassCount, benchBadgeRules, learnerCount, passingStatus } from './openedx-workload.js';
import { benchPostgresUrl, perSecond, printResult } from './support.js';

const backlogEvents = Number(process.env.BENCH_BUS_BACKLOG ?? 100_000);
const steadyRate = 1_000;
const steadySeconds = 20;
const courseCatalogue = 600;
const workers = Number(process.env.BENCH_BUS_WORKERS ?? 1);
const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL;
const profileDir = process.env.BENCH_CPU_PROF;
const secret = 'bench-secret-bench-secret-bench-secret!';

/** A deterministic 32-bit mix, so every run sends the same events. */
function mix(n: number): number {
  let x = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Event `i`: each learner gets every 10,000th event; 1 in 10 is a fail. */
function benchEvent(i: number): LmsEvent {
  const user = (i * 7919) % learnerCount;
  return { type: openedxTypes.coursePassingStatusUpdated, payload: passingStatus(user, mix(i) % courseCatalogue, mix(i + 0x5bd1e995) % 10 !== 0) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The bench's own connection for polling, left out of the database's CPU figure. */
const pollingName = 'laurel-bench-poll';

/**
 * When each of the LMS's events was decided (Laurel also records and decides its own badge
 * events): its decision row's time, or for an event that concerns no rule its recording's.
 */
const lmsDecided = `
  select e.external_id, e.received_at, coalesce(d.created_at, e.received_at) as decided_at
  from learning_events e left join rule_decisions d on d.event_id = e.id
  where e.source = $1 and (e.skipped_by_index is not null or d.event_id is not null)`;

/** How many of the LMS's events are decided. */
async function lmsDecisions(poll: pg.Client): Promise<number> {
  const { rows } = await poll.query<{ n: number }>(`select count(*)::int as n from (${lmsDecided}) decided`, [lmsSource]);
  return rows[0]?.n ?? 0;
}

/**
 * True once the LMS's events have `count` decisions. Counting them takes a join over every event
 * (a tenth of a second at 100,000; even a plain count of the decisions costs that much), which
 * polled four times a second would take a good part of a core from the workers being measured. So
 * the poll asks what is cheap instead — has the consumer group read and acknowledged every stream
 * entry, and has every `events.process` job finished — and counts only once both say yes. (Entries
 * are acknowledged after their events and job committed, and a job finishes after its decisions
 * did, so nothing is in flight in between.)
 */
async function lmsDecisionsReach(poll: pg.Client, redis: Redis, stream: string, count: number): Promise<boolean> {
  return (await streamDrained(redis, stream)) && (await queueIdle(poll, processEventsJob)) && (await lmsDecisions(poll)) >= count;
}

/** Whether Laurel's consumer group has been handed the stream's newest entry and has acknowledged every entry. */
async function streamDrained(redis: Redis, stream: string): Promise<boolean> {
  const fields = (reply: unknown[]) => new Map(Array.from({ length: reply.length / 2 }, (_, i) => [String(reply[2 * i]), reply[2 * i + 1]]));
  const [info, groups] = await Promise.all([redis.xinfo('STREAM', stream) as Promise<unknown[]>, redis.xinfo('GROUPS', stream) as Promise<unknown[][]>]);
  const laurel = groups.map(fields).find((group) => group.get('name') === 'laurel');
  return laurel !== undefined && laurel.get('last-delivered-id') === fields(info).get('last-generated-id') && laurel.get('pending') === 0;
}

/** Whether no job (of this kind) is pending or running. */
async function queueIdle(poll: pg.Client, kind?: string): Promise<boolean> {
  const { rows } = await poll.query<{ n: number }>("select count(*)::int as n from jobs where status in ('pending', 'running') and ($1::text is null or kind = $1)", [kind ?? null]);
  return rows[0]?.n === 0;
}

async function awardCount(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from awards`.execute(db);
  return rows[0]?.n ?? 0;
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const clockTicks = existsSync('/proc/self/stat') ? Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) : 0;

/** CPU seconds (user + system, all threads) a process has used so far, from /proc (Linux); 0 once it is gone. */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return 0;
  }
}

/**
 * CPU used so far by the workers and by the database server processes serving this database,
 * by process id. On a shared machine this, not wall time, says what the work costs.
 */
async function cpuSnapshot(db: Db, workers: readonly LaurelProcess[]): Promise<{ workers: Map<number, number>; database: Map<number, number> }> {
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database() and application_name <> ${pollingName}`.execute(db);
  const of = (pids: number[]) => new Map(pids.map((pid) => [pid, cpuSecondsOf(pid)]));
  return { workers: of(workers.map((p) => p.child.pid!)), database: of(rows.map((row) => row.pid)) };
}

function cpuBetween(before: Awaited<ReturnType<typeof cpuSnapshot>>, after: Awaited<ReturnType<typeof cpuSnapshot>>) {
  const used = (from: Map<number, number>, to: Map<number, number>) => [...to].reduce((sum, [pid, seconds]) => sum + seconds - (from.get(pid) ?? 0), 0);
  return { workers: Math.round(used(before.workers, after.workers) * 10) / 10, database: Math.round(used(before.database, after.database) * 10) / 10 };
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const summary = (sorted: readonly number[]) => ({ p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) });

/** Sends `rate` events a second for `seconds`, in small pipelines every 10 ms; returns event id → entry time (ms). */
async function produceSteadily(redis: Redis, stream: string, first: number, rate: number, seconds: number): Promise<Map<string, number>> {
  const entryTimes = new Map<string, number>();
  const total = rate * seconds;
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000));
    if (due > sent) {
      const events = Array.from({ length: due - sent }, (_, n) => ({ ...benchEvent(first + sent + n), id: randomUUID() }));
      const ids = await produce(redis, stream, events);
      events.forEach((event, n) => entryTimes.set(event.id, Number(ids[n]!.split('-')[0])));
      sent = due;
    }
    await sleep(10);
  }
  return entryTimes;
}

/** Per event, sorted: stream entry → decision row, and the two legs (entry → recorded, recorded → decided). */
async function decisionLatencies(poll: pg.Client, entryTimes: Map<string, number>): Promise<{ total: number[]; recording: number[]; deciding: number[] }> {
  const { rows } = await poll.query<{ external_id: string; recorded: Date; decided: Date }>(
    `select external_id, received_at as recorded, decided_at as decided from (${lmsDecided}) decided where external_id = any($2)`,
    [lmsSource, [...entryTimes.keys()]],
  );
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  return {
    total: sorted(rows.map((row) => row.decided.getTime() - entryTimes.get(row.external_id)!)),
    recording: sorted(rows.map((row) => row.recorded.getTime() - entryTimes.get(row.external_id)!)),
    deciding: sorted(rows.map((row) => row.decided.getTime() - row.recorded.getTime())),
  };
}

async function run(databaseUrl: string, busUrl: string) {
  const database = await freshDatabase('postgres', databaseUrl);
  const redis = new Redis(busUrl);
  const prefix = `bench-${randomUUID()}`;
  const stream = streamName(badgesTopic, prefix);
  const organizationId = newId('organization');
  const processes: LaurelProcess[] = [];
  const poll = new pg.Client({ connectionString: database.url, application_name: pollingName });
  try {
    const { db } = database;
    await poll.connect();
    await seedRuleBadges(
      db,
      new MasterSecret(secret),
      organizationId,
      Array.from({ length: badgeClassCount }, (_, b) => {
        const { reawardAfterRevoke, requirements, penalty } = benchBadgeRules(b);
        return { name: `Bench badge ${b}`, reawardAfterRevoke, requirements, penalties: (ids) => [{ ...penalty, requirementIds: [ids[2]!] }] };
      }),
    );

    for (let sent = 0; sent < backlogEvents; sent += 2_000) {
      await produce(redis, stream, Array.from({ length: 2_000 }, (_, n) => benchEvent(sent + n)));
    }

    const env = {
      DATABASE_URL: database.url!,
      LAUREL_SECRET: secret,
      LAUREL_PUBLIC_URL: 'https://badges.example.edu',
      LAUREL_LOG_LEVEL: 'warn',
      LAUREL_EVENT_BUS_URL: busUrl,
      LAUREL_EVENT_BUS_PREFIX: prefix,
      LAUREL_EVENT_BUS_ORGANIZATION: organizationId,
      // Laurel's own publications must not trim the backlog (upstream producers would be set alike).
      LAUREL_EVENT_BUS_MAX_LEN: String(2 * backlogEvents),
    };
    const started = Date.now();
    processes.push(...(await Promise.all(Array.from({ length: workers }, () => startLaurel('worker', env, workerReady, { nodeOptions: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] })))));
    const up = Date.now();
    const cpuAtStart = clockTicks ? await cpuSnapshot(db, processes) : undefined;
    await until('every backlog decision', () => lmsDecisionsReach(poll, redis, stream, backlogEvents), 600_000);
    const cpu = cpuAtStart && cpuBetween(cpuAtStart, await cpuSnapshot(db, processes));
    const { rows: spans } = await poll.query<{ recorded: Date; decided: Date }>(`select max(received_at) as recorded, max(decided_at) as decided from (${lmsDecided}) decided`, [lmsSource]);
    const { recorded, decided } = spans[0]!;
    await until('the backlog jobs (awards, publications) to finish', () => queueIdle(poll), 600_000);
    const settled = Date.now();
    const backlog = {
      events: backlogEvents,
      startSeconds: (up - started) / 1000,
      recordedPerSecond: perSecond(backlogEvents, recorded.getTime() - up),
      decidedPerSecond: perSecond(backlogEvents, decided.getTime() - up),
      // Workers and their database server processes, from the workers being up to the last decision.
      cpuSeconds: cpu,
      decidedPerCpuSecond: cpu && perSecond(backlogEvents, (cpu.workers + cpu.database) * 1000),
      awards: await awardCount(db),
      allJobsDoneSeconds: (settled - up) / 1000,
    };

    const entryTimes = await produceSteadily(redis, stream, backlogEvents, steadyRate, steadySeconds);
    await until('every steady decision', () => lmsDecisionsReach(poll, redis, stream, backlogEvents + entryTimes.size), 120_000);
    const latencies = await decisionLatencies(poll, entryTimes);
    const steady = {
      events: entryTimes.size,
      ratePerSecond: steadyRate,
      latencyMs: summary(latencies.total),
      // The two legs: stream entry → event recorded (consumer), recorded → decision (job worker).
      recordingLatencyMs: summary(latencies.recording),
      decidingLatencyMs: summary(latencies.deciding),
      awards: (await awardCount(db)) - backlog.awards,
    };
    const warnings = processes.flatMap((p) => p.lines).filter((line) => line.startsWith('{')).length;
    return { workers, badgeClasses: badgeClassCount, requirements: badgeClassCount * 3, learners: learnerCount, backlog, steady, loggedWarnings: warnings };
  } catch (error) {
    process.stderr.write(`${processes.flatMap((p) => p.lines).slice(-50).join('\n')}\n`);
    throw error;
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await poll.end().catch(() => undefined);
    await redis.del(stream);
    redis.disconnect();
    await database.close();
  }
}

await ensureBuilt();
printResult({
  target: { backlogDecidedPerSecond: 5_000, steadyP99Ms: 100 },
  ...(benchPostgresUrl && redisUrl ? await run(benchPostgresUrl, redisUrl) : { skipped: 'needs PostgreSQL (BENCH_DATABASE_URL / TEST_DATABASE_URL) and Redis (BENCH_REDIS_URL / TEST_REDIS_URL)' }),
});
