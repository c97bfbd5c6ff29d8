import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface QueueSnapshot {
  pending: number;
  running: number;
  failed: number;
  oldestPendingAgeSeconds: number;
}

/**
 * Prometheus series of one Laurel process. A registry per instance (not prom-client's global one)
 * so several instances can live in one test process.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'laurel_http_request_duration_seconds',
    help: 'HTTP request latency by route and status.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly jobsProcessed = new Counter({
    name: 'laurel_jobs_processed_total',
    help: 'Job attempts finished, by kind and outcome (done, retry, failed).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'laurel_job_duration_seconds',
    help: 'Time a job attempt took, by kind.',
    labelNames: ['kind'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });

  readonly eventsProcessed = new Counter({
    name: 'laurel_events_processed_total',
    help: 'Learning events evaluated against the rules (each once).',
    registers: [this.registry],
  });
  readonly ruleTransitions = new Counter({
    name: 'laurel_rule_transitions_total',
    help: 'Awards and revocations decided by the rules, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly busRejected = new Counter({
    name: 'laurel_event_bus_rejected_total',
    help: 'Open edX event bus messages that could not be recorded (each stored once, see GET /api/v1/events/rejected).',
    registers: [this.registry],
  });

  constructor(queueSnapshot: () => Promise<QueueSnapshot>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'laurel_' });
    // Queue depth and age are read from the database at scrape time: always true, never drifting.
    let snapshot: Promise<QueueSnapshot> | null = null;
    const read = () => (snapshot ??= queueSnapshot().finally(() => setTimeout(() => (snapshot = null), 0)));
    new Gauge({
      name: 'laurel_jobs',
      help: 'Jobs in the queue by status.',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const s = await read();
        this.set({ status: 'pending' }, s.pending);
        this.set({ status: 'running' }, s.running);
        this.set({ status: 'failed' }, s.failed);
      },
    });
    new Gauge({
      name: 'laurel_jobs_oldest_pending_age_seconds',
      help: 'Age of the oldest due job still waiting to run.',
      registers: [this.registry],
      async collect() {
        this.set((await read()).oldestPendingAgeSeconds);
      },
    });
  }

  jobFinished(kind: string, outcome: 'done' | 'retry' | 'failed', durationMs: number): void {
    this.jobsProcessed.inc({ kind, outcome });
    this.jobDuration.observe({ kind }, durationMs / 1000);
  }

  eventDecided(transitions: readonly { kind: string }[]): void {
    this.eventsProcessed.inc();
    for (const transition of transitions) this.ruleTransitions.inc({ kind: transition.kind });
  }

  busMessagesRejected(count: number): void {
    this.busRejected.inc(count);
  }

  /** Times every request by its route pattern (not its raw URL, which would explode cardinality). */
  instrument(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      this.httpDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  }
}
