import { Type } from 'typebox';
import { contextOf } from '../auth/principal.js';
import type { Api } from '../http/schemas.js';
import { Body, NullableTimestamp, responses, StringEnum } from '../http/schemas.js';
import type { EventTypeService } from './event-type-service.js';

/** A registered schema is compiled for every event of its type; this bounds what one may weigh. */
const maxSchemaBytes = 256 * 1024;

const EventTypeSchema = Type.Object(
  {
    type: Type.String(),
    origin: StringEnum(['openedx', 'json-schema', 'generic'] as const),
    description: Type.String(),
    schema: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'The registered JSON schema (draft-07); null for built-in types.' }),
    keyPaths: Type.Union([
      Type.Array(Type.Object({ path: Type.String(), kind: Type.String(), nullable: Type.Boolean() })),
      Type.Null(),
    ], { description: 'The key paths rules may read, with the kind of value found there.' }),
    createdAt: NullableTimestamp,
  },
  { $id: 'EventType' },
);

const TypeParams = Type.Object({ type: Type.String({ maxLength: 255 }) });

/** `/api/v1/event-types`: the built-in event types and the ones the organisation registers. */
export function registerEventTypeRoutes(app: Api, eventTypes: EventTypeService): void {
  app.addSchema(EventTypeSchema);
  const tags = ['Automatic awarding'];

  app.post(
    '/api/v1/event-types',
    {
      config: { auth: 'admin' },
      bodyLimit: maxSchemaBytes,
      schema: {
        tags,
        summary: 'Register an event type',
        description:
          'Describes the `data` of an event type with a JSON schema (draft-07, an object with `properties`; `pattern`s use RE2 syntax). Rules on the type are then checked against its key paths, and events of the type against the schema. Only this organisation sees it. A built-in name or an unusable schema is `422`, as is a schema that rules already written for the type would not fit; a name already registered is `409`.',
        body: Body({
          type: Type.String({ pattern: '^[\\w.-]{1,255}$', description: 'Dotted name, e.g. `com.example.quiz.completed.v1`.' }),
          description: Type.Optional(Type.String({ maxLength: 1000 })),
          schema: Type.Record(Type.String(), Type.Unknown()),
        }),
        response: responses({ 201: Type.Ref('EventType') }),
      },
    },
    async (request, reply) => reply.status(201).send(await eventTypes.register(contextOf(request.principal!, request.id), request.body)),
  );

  app.get(
    '/api/v1/event-types',
    {
      config: { auth: 'badges:read' },
      schema: { tags, summary: 'Event types rules can use: built-in, then registered', response: responses({ 200: Type.Object({ items: Type.Array(Type.Ref('EventType')) }) }) },
    },
    async (request) => ({ items: await eventTypes.list(contextOf(request.principal!, request.id)) }),
  );

  app.get(
    '/api/v1/event-types/:type',
    { config: { auth: 'badges:read' }, schema: { tags, summary: 'An event type and its key paths', params: TypeParams, response: responses({ 200: Type.Ref('EventType') }) } },
    async (request) => eventTypes.get(contextOf(request.principal!, request.id), request.params.type),
  );

  app.delete(
    '/api/v1/event-types/:type',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Delete a registered event type',
        description: '`409` while requirements or penalties read it, and for built-in types. Recorded events of the type are kept; later ones are generic JSON.',
        params: TypeParams,
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await eventTypes.remove(contextOf(request.principal!, request.id), request.params.type);
      return reply.status(204).send(null);
    },
  );
}
