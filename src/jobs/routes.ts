import { Type } from 'typebox';
import { contextOf } from '../auth/principal.js';
import { recordAudit } from '../audit/store.js';
import { inTransaction, type Db } from '../db/database.js';
import type { Api } from '../http/schemas.js';
import { IdParams, NullableTimestamp, Page, PageQuery, responses, StringEnum, Timestamp } from '../http/schemas.js';
import { notFound } from '../kernel/errors.js';
import { getJob, listJobs, retryJob } from './queue.js';

const JobStatusSchema = StringEnum(['pending', 'running', 'done', 'failed'] as const);

const JobSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.String(),
    payload: Type.Unknown(),
    status: JobStatusSchema,
    attempts: Type.Integer(),
    maxAttempts: Type.Integer(),
    runAt: Timestamp,
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    finishedAt: NullableTimestamp,
  },
  { $id: 'Job' },
);

/** `/api/v1/jobs`: the organisation's background work — see what failed and why, and retry it. */
export function registerJobRoutes(app: Api, db: Db, wakeWorkers: () => void): void {
  app.addSchema(JobSchema);
  const tags = ['Jobs'];

  app.get(
    '/api/v1/jobs',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'List jobs, oldest first',
        querystring: Type.Object({ ...PageQuery.properties, status: Type.Optional(JobStatusSchema), kind: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: responses({ 200: Page(Type.Ref('Job')) }),
      },
    },
    async (request) => listJobs(db, { organizationId: request.principal!.organizationId, ...request.query }),
  );

  app.get('/api/v1/jobs/:id', { config: { auth: 'admin' }, schema: { tags, summary: 'Get a job', params: IdParams, response: responses({ 200: Type.Ref('Job') }) } }, async (request) => {
    const job = await getJob(db, request.principal!.organizationId, request.params.id);
    if (!job) throw notFound('Job');
    return job;
  });

  app.post(
    '/api/v1/jobs/:id/retry',
    { config: { auth: 'admin' }, schema: { tags, summary: 'Retry a failed job with a fresh set of attempts', params: IdParams, response: responses({ 200: Type.Ref('Job') }) } },
    async (request) => {
      const context = contextOf(request.principal!, request.id);
      const job = await inTransaction(db, async (tx) => {
        const retried = await retryJob(tx, context.organizationId, request.params.id);
        await recordAudit(tx, context, { action: 'job.retried', target: { type: 'job', id: retried.id }, details: { kind: retried.kind } });
        return retried;
      });
      wakeWorkers();
      return job;
    },
  );
}
