import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { contextOf } from '../auth/principal.js';
import type { Api } from '../http/schemas.js';
import { Body, IdParams, responses, StringEnum, Timestamp, NullableTimestamp } from '../http/schemas.js';
import { AppError } from '../kernel/errors.js';
import { maxBulkRows, parseBulkCsv, type BulkRowInput } from './bulk-rows.js';
import type { BulkIssueOptions, BulkIssueService } from './bulk.js';

const BulkIssueSchema = Type.Object(
  {
    id: Type.String(),
    badgeClassId: Type.String(),
    status: StringEnum(['pending', 'done'] as const),
    total: Type.Integer(),
    done: Type.Integer(),
    notify: Type.Boolean({ description: 'Whether every recipient awarded is e-mailed.' }),
    counts: Type.Object({ awarded: Type.Integer(), alreadyHeld: Type.Integer(), rejected: Type.Integer() }),
    createdAt: Timestamp,
    finishedAt: NullableTimestamp,
  },
  { $id: 'BulkIssue' },
);

const Notify = Type.Optional(Type.Boolean({ description: 'E-mail each recipient awarded (not those who already hold the badge); 422 while e-mail is off.' }));

const RowSchema = Body({
  email: Type.Optional(Type.String({ maxLength: 1000 })),
  name: Type.Optional(Type.String({ maxLength: 1000 })),
  evidence_url: Type.Optional(Type.String({ maxLength: 2000 })),
  narrative: Type.Optional(Type.String({ maxLength: 20000 })),
  issued_on: Type.Optional(Type.String({ maxLength: 100 })),
  expires_on: Type.Optional(Type.String({ maxLength: 100 })),
});

/** CSV files of the largest accepted roster with long narratives stay well under this. */
const maxCsvBytes = 32 * 1024 * 1024;

/** `/api/v1/awards/bulk`: issue a roster (CSV or JSON) as one job, and follow it row by row. */
export function registerBulkIssueRoutes(app: Api, bulk: BulkIssueService, wakeWorkers: () => void): void {
  app.addSchema(BulkIssueSchema);
  const tags = ['Awards'];
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    scope.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: maxCsvBytes }, (_request, body, done) => done(null, body));
    scope.post(
      '/api/v1/awards/bulk',
      {
        config: { auth: 'awards:write' },
        bodyLimit: maxCsvBytes,
        schema: {
          tags,
          summary: 'Start a bulk issue',
          description:
            'Send `text/csv` (header `email,name,evidence_url,narrative,issued_on,expires_on`, `email` required) with `?badgeClassId=` (and `&notify=true` to e-mail recipients), or JSON `{badgeClassId, rows: [...], notify?}` with the same fields. Answers 202; rows are issued by a job. Invalid rows are rejected with a reason and never stop valid ones.',
          querystring: Type.Object({ badgeClassId: Type.Optional(Type.String({ maxLength: 100 })), notify: Notify }),
          body: Type.Union([Type.String(), Body({ badgeClassId: Type.String({ maxLength: 100 }), rows: Type.Array(RowSchema, { minItems: 1, maxItems: maxBulkRows }), notify: Notify })]),
          response: responses({ 202: Type.Ref('BulkIssue') }),
        },
      },
      async (request, reply) => {
        let badgeClassId: string | undefined;
        let rows: BulkRowInput[];
        let options: BulkIssueOptions;
        if (typeof request.body === 'string') {
          badgeClassId = request.query.badgeClassId;
          rows = parseBulkCsv(request.body);
          options = { notify: request.query.notify, notifyField: 'querystring/notify' };
        } else {
          badgeClassId = request.body.badgeClassId;
          rows = request.body.rows;
          options = { notify: request.body.notify, notifyField: 'body/notify' };
        }
        if (!badgeClassId) throw new AppError('validation_failed', 'badgeClassId is required (query parameter for CSV).', { errors: [{ field: 'querystring/badgeClassId', message: 'is required' }] });
        const created = await bulk.create(contextOf(request.principal!, request.id), badgeClassId, rows, options);
        wakeWorkers();
        return reply.status(202).header('location', `/api/v1/awards/bulk/${created.id}`).send(created);
      },
    );
  });

  app.get('/api/v1/awards/bulk/:id', { config: { auth: 'awards:read' }, schema: { tags, summary: 'Progress of a bulk issue', params: IdParams, response: responses({ 200: Type.Ref('BulkIssue') }) } }, async (request) =>
    bulk.get(contextOf(request.principal!, request.id), request.params.id),
  );

  app.get(
    '/api/v1/awards/bulk/:id/rows',
    {
      config: { auth: 'awards:read' },
      schema: {
        tags,
        summary: 'Per-row results of a bulk issue',
        params: IdParams,
        querystring: Type.Object({ after: Type.Integer({ minimum: 0, default: 0 }), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 500 }) }),
        response: responses({
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                row: Type.Integer(),
                email: Type.Union([Type.String(), Type.Null()]),
                outcome: Type.Union([StringEnum(['awarded', 'already_held', 'rejected'] as const), Type.Null()]),
                awardId: Type.Union([Type.String(), Type.Null()]),
                reason: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
        }),
      },
    },
    async (request) => bulk.rows(contextOf(request.principal!, request.id), request.params.id, request.query.after, request.query.limit),
  );
}
