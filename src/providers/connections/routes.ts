import { Type } from 'typebox';
import { contextOf } from '../../auth/principal.js';
import type { Api } from '../../http/schemas.js';
import { IdParams, Page, PageQuery, responses, StringEnum, Timestamp } from '../../http/schemas.js';
import type { Clock } from '../../kernel/clock.js';
import { ConnectionSchema, CreateConnectionBody, RotateTokenBody, UpdateConnectionBody } from './schemas.js';
import type { ConnectionService } from './service.js';
import type { Connection } from './store.js';
import { connectionWarnings, tokenLifetime } from './token-expiry.js';

/** Only listed fields leave: the sealed credentials are never part of an answer. */
const presentAt = (now: Date) => (connection: Connection) => ({
  id: connection.id,
  provider: connection.provider,
  name: connection.name,
  settings: connection.settings,
  accountName: connection.accountName,
  lastTestedAt: connection.lastTestedAt,
  lastSyncedAt: connection.lastSyncedAt,
  token: tokenLifetime(connection, now),
  warnings: connectionWarnings(connection, now),
  createdAt: connection.createdAt,
  updatedAt: connection.updatedAt,
});

/** `/api/v1/connections` (scope `admin`): Credly and Accredible connections with write-only credentials. */
const TemplateSchema = Type.Object({
  id: Type.String(),
  externalId: Type.String({ description: 'The Credly badge template id or Accredible group id.' }),
  name: Type.String(),
  description: Type.Union([Type.Null(), Type.String()]),
  imageUrl: Type.Union([Type.Null(), Type.String()]),
  state: StringEnum(['active', 'archived', 'draft', 'deleted'] as const, { description: '`deleted`: the provider no longer lists it.' }),
  updatedAt: Timestamp,
});

export function registerConnectionRoutes(app: Api, connections: ConnectionService, options: { clock: Clock; wakeWorkers: () => void }): void {
  const { wakeWorkers } = options;
  const present = (connection: Connection) => presentAt(options.clock.now())(connection);
  app.addSchema(ConnectionSchema);
  const tags = ['Provider connections'];
  const config = { auth: 'admin' } as const;

  app.post(
    '/api/v1/connections',
    {
      config,
      schema: {
        tags,
        summary: 'Connect Credly or Accredible',
        description:
          'Credly: `organizationId`, `environment`, and either `authorizationToken` or `oauth: {clientId, clientSecret}`. Accredible: `apiKey`, `region`, optional `revokeMode`. Credentials are encrypted at rest and never returned.',
        body: CreateConnectionBody,
        response: responses({ 201: Type.Ref('Connection') }),
      },
    },
    async (request, reply) => {
      const created = await connections.create(contextOf(request.principal!, request.id), request.body);
      return reply.status(201).header('location', `/api/v1/connections/${created.id}`).send(present(created));
    },
  );

  app.get(
    '/api/v1/connections',
    { config, schema: { tags, summary: 'List connections', querystring: PageQuery, response: responses({ 200: Page(Type.Ref('Connection')) }) } },
    async (request) => {
      const page = await connections.list(contextOf(request.principal!, request.id), request.query.after, request.query.limit);
      return { items: page.items.map(present), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/connections/:id',
    { config, schema: { tags, summary: 'Get a connection', params: IdParams, response: responses({ 200: Type.Ref('Connection') }) } },
    async (request) => present(await connections.get(contextOf(request.principal!, request.id), request.params.id)),
  );

  app.patch(
    '/api/v1/connections/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change a connection',
        description: "Only the fields sent change; they must belong to the connection's provider. Credentials can be replaced, never read. Any change but the name marks the connection untested.",
        params: IdParams,
        body: UpdateConnectionBody,
        response: responses({ 200: Type.Ref('Connection') }),
      },
    },
    async (request) => present(await connections.update(contextOf(request.principal!, request.id), request.params.id, request.body)),
  );

  app.delete(
    '/api/v1/connections/:id',
    { config, schema: { tags, summary: 'Delete a connection and its synced templates', params: IdParams, response: responses({ 204: Type.Null() }) } },
    async (request, reply) => {
      await connections.delete(contextOf(request.principal!, request.id), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/connections/:id/test',
    {
      config,
      schema: {
        tags,
        summary: 'Test the credentials',
        description: "Asks the provider whose account the credentials open and stores its name. A refusal answers 422 with the provider's reason; an unreachable provider 503.",
        params: IdParams,
        response: responses({ 200: Type.Ref('Connection') }),
      },
    },
    async (request) => present(await connections.test(contextOf(request.principal!, request.id), request.params.id)),
  );

  app.post(
    '/api/v1/connections/:id/rotate-token',
    {
      config,
      schema: {
        tags,
        summary: "Rotate a Credly connection's authorization token",
        description:
          'Stores the new token only after Credly accepts it (422 with Credly\'s reason otherwise, and the old token stays in use). Credly tokens expire 180 days after issue; connections warn 30 days before.',
        params: IdParams,
        body: RotateTokenBody,
        response: responses({ 200: Type.Ref('Connection') }),
      },
    },
    async (request) => present(await connections.rotateToken(contextOf(request.principal!, request.id), request.params.id, request.body)),
  );

  app.post(
    '/api/v1/connections/:id/sync',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['Connections'],
        summary: "Sync the provider's templates (Credly badge templates, Accredible groups)",
        description: 'Answers 202 with the job; `GET /api/v1/jobs/{jobId}` shows its progress, and its result is in `GET …/templates` and the audit log.',
        params: IdParams,
        response: responses({ 202: Type.Object({ jobId: Type.String() }) }),
      },
    },
    async (request, reply) => {
      const jobId = await connections.startSync(contextOf(request.principal!, request.id), request.params.id);
      wakeWorkers();
      return reply.status(202).header('location', `/api/v1/jobs/${jobId}`).send({ jobId });
    },
  );

  app.get(
    '/api/v1/connections/:id/templates',
    { config: { auth: 'admin' }, schema: { tags: ['Connections'], summary: 'Synced templates with their state', params: IdParams, response: responses({ 200: Type.Object({ items: Type.Array(TemplateSchema) }) }) } },
    async (request) => ({ items: await connections.templates(contextOf(request.principal!, request.id), request.params.id) }),
  );
}
