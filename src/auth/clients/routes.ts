import { Type } from 'typebox';
import type { Api } from '../../http/schemas.js';
import { Body, IdParams, NullableTimestamp, Page, PageQuery, responses, StringEnum, Timestamp } from '../../http/schemas.js';
import { contextOf } from '../principal.js';
import { scopes } from '../scopes.js';
import type { ApiClient } from './store.js';
import type { ClientService } from './service.js';

const ScopeSchema = StringEnum(scopes);

const ClientSchema = Type.Object(
  {
    id: Type.String({ description: 'The OAuth2 `client_id`.' }),
    name: Type.String(),
    scopes: Type.Array(ScopeSchema),
    createdAt: Timestamp,
    revokedAt: NullableTimestamp,
  },
  { $id: 'ApiClient' },
);

const ClientWithSecretSchema = Type.Object({
  client: Type.Ref('ApiClient'),
  clientSecret: Type.String({ description: 'Shown only in this response.' }),
});

const present = (client: ApiClient) => ({ id: client.id, name: client.name, scopes: client.scopes, createdAt: client.createdAt, revokedAt: client.revokedAt });

/** `/api/v1/clients`: API clients of the caller's organisation (scope `admin`). */
export function registerClientRoutes(app: Api, clients: ClientService): void {
  app.addSchema(ClientSchema);
  const tags = ['API clients'];

  app.post(
    '/api/v1/clients',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Create an API client',
        body: Body({
          name: Type.String({ minLength: 1, maxLength: 200 }),
          scopes: Type.Array(ScopeSchema, { minItems: 1, uniqueItems: true }),
        }),
        response: responses({ 201: ClientWithSecretSchema }),
      },
    },
    async (request, reply) => {
      const created = await clients.create(contextOf(request.principal!, request.id), request.body);
      return reply.status(201).header('location', `/api/v1/clients/${created.client.id}`).send({ client: present(created.client), clientSecret: created.clientSecret });
    },
  );

  app.get(
    '/api/v1/clients',
    { config: { auth: 'admin' }, schema: { tags, summary: 'List API clients', querystring: PageQuery, response: responses({ 200: Page(Type.Ref('ApiClient')) }) } },
    async (request) => {
      const page = await clients.list(contextOf(request.principal!, request.id), request.query.after, request.query.limit);
      return { items: page.items.map(present), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/clients/:id',
    { config: { auth: 'admin' }, schema: { tags, summary: 'Get an API client', params: IdParams, response: responses({ 200: Type.Ref('ApiClient') }) } },
    async (request) => present(await clients.get(contextOf(request.principal!, request.id), request.params.id)),
  );

  app.post(
    '/api/v1/clients/:id/rotate',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Rotate the client secret',
        description: 'Issues a new secret. Previous secrets keep working for `graceSeconds` (default from LAUREL_SECRET_GRACE; 0 ends them now).',
        params: IdParams,
        body: Type.Optional(Body({ graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86400 })) })),
        response: responses({ 200: Type.Object({ client: Type.Ref('ApiClient'), clientSecret: Type.String(), previousSecretsExpireAt: Timestamp }) }),
      },
    },
    async (request) => {
      const rotated = await clients.rotate(contextOf(request.principal!, request.id), request.params.id, request.body?.graceSeconds);
      return { client: present(rotated.client), clientSecret: rotated.clientSecret, previousSecretsExpireAt: rotated.previousSecretsExpireAt };
    },
  );

  app.post(
    '/api/v1/clients/:id/revoke',
    { config: { auth: 'admin' }, schema: { tags, summary: 'Revoke an API client and all its secrets and tokens', params: IdParams, response: responses({ 200: Type.Ref('ApiClient') }) } },
    async (request) => present(await clients.revoke(contextOf(request.principal!, request.id), request.params.id)),
  );
}
