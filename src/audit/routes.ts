import { Type } from 'typebox';
import type { Db } from '../db/database.js';
import type { Api } from '../http/schemas.js';
import { Page, PageQuery, responses, Timestamp } from '../http/schemas.js';
import { listAuditEvents } from './store.js';

const AuditEventSchema = Type.Object(
  {
    id: Type.String(),
    actor: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
    action: Type.String(),
    target: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
    details: Type.Record(Type.String(), Type.Unknown()),
    requestId: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
  },
  { $id: 'AuditEvent' },
);

/** `/api/v1/audit-events`: who changed what and when, newest first (scope `admin`). */
export function registerAuditRoutes(app: Api, db: Db): void {
  app.addSchema(AuditEventSchema);
  app.get(
    '/api/v1/audit-events',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['Audit'],
        summary: 'List audit events, newest first',
        querystring: Type.Object({ ...PageQuery.properties, action: Type.Optional(Type.String({ maxLength: 100 })), targetId: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: responses({ 200: Page(Type.Ref('AuditEvent')) }),
      },
    },
    async (request) => listAuditEvents(db, request.principal!.organizationId, request.query),
  );
}
