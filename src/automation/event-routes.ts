import { Type } from 'typebox';
import { contextOf } from '../auth/principal.js';
import type { Api } from '../http/schemas.js';
import { Body, IdParams, Page, PageQuery, responses, StringEnum, Timestamp } from '../http/schemas.js';
import type { EventIngestion } from './ingestion.js';
import type { AutomationInsight } from './insight.js';
import type { Learner } from './learner-store.js';

const maxEventsPerRequest = 1_000;
/** 1,000 events of a few KB each; the server-wide 1 MB limit is for ordinary requests. */
const maxEventsBodyBytes = 16 * 1024 * 1024;

const text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

const IncomingEventSchema = Body({
  id: Type.String({ minLength: 1, maxLength: 255, description: 'Unique per `source`: a second event with the same source and id is a duplicate.' }),
  type: Type.String({
    pattern: '^[\\w.-]{1,255}$',
    description: 'A built-in Open edX type or one the organisation registered (`data` is checked against its schema), or any other name (generic: any JSON object).',
  }),
  time: Type.String({ format: 'date-time', description: 'When it happened at the source.' }),
  source: text(255),
  user: Body({
    id: text(255),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320, description: 'Optional: without it the learner keeps the e-mail known from earlier events; awards wait until there is one.' })),
    name: Type.Optional(text(300)),
    username: Type.Optional(text(300)),
  }),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'What rules read, by key path.' }),
});

const ReceiptSchema = Type.Object({
  id: Type.String(),
  source: Type.String(),
  status: StringEnum(['accepted', 'duplicate', 'rejected'] as const),
  eventId: Type.Optional(Type.String({ description: 'Laurel\'s id of the recorded event (for `/api/v1/events/{eventId}/decisions`).' })),
  reason: Type.Optional(Type.String()),
});

const LearnerSchema = Type.Object(
  {
    id: Type.String(),
    source: Type.String(),
    externalId: Type.String(),
    email: Type.Union([Type.String(), Type.Null()], { description: 'Null until an event names it.' }),
    name: Type.Union([Type.String(), Type.Null()]),
    username: Type.Union([Type.String(), Type.Null()]),
    lastEventAt: Timestamp,
    createdAt: Timestamp,
  },
  { $id: 'Learner' },
);

const presentLearner = (learner: Learner) => ({
  id: learner.id,
  source: learner.source,
  externalId: learner.externalId,
  email: learner.email,
  name: learner.name,
  username: learner.username,
  lastEventAt: learner.lastEventAt,
  createdAt: learner.createdAt,
});

/** `/api/v1/events` (ingestion and explanations) and `/api/v1/learners` (progress). */
export function registerEventRoutes(app: Api, services: { ingestion: EventIngestion; insight: AutomationInsight; wakeWorkers: () => void }): void {
  app.addSchema(LearnerSchema);
  const tags = ['Automatic awarding'];

  app.post(
    '/api/v1/events',
    {
      config: { auth: 'events:write' },
      bodyLimit: maxEventsBodyBytes,
      schema: {
        tags,
        summary: 'Send learning events',
        description: `One event or a list of up to ${maxEventsPerRequest}. Answers 202 once the events are durably recorded, with a status per event in the order sent: \`accepted\` (evaluated shortly by a job), \`duplicate\` (same source and id seen before; ignored) or \`rejected\` with the reason (e.g. data not matching the type's schema, or the source \`laurel\`, which is reserved for Laurel's own badge events; not recorded).`,
        body: Type.Union([IncomingEventSchema, Type.Array(IncomingEventSchema, { minItems: 1, maxItems: maxEventsPerRequest })]),
        response: responses({ 202: Type.Object({ items: Type.Array(ReceiptSchema) }) }),
      },
    },
    async (request, reply) => {
      const events = Array.isArray(request.body) ? request.body : [request.body];
      const items = await services.ingestion.record(contextOf(request.principal!, request.id), events);
      if (items.some((item) => item.status === 'accepted')) services.wakeWorkers();
      return reply.status(202).send({ items });
    },
  );

  app.get(
    '/api/v1/events/rejected',
    {
      config: { auth: 'awards:read' },
      schema: {
        tags,
        summary: 'Open edX bus messages that could not be recorded, newest first',
        description:
          'Each message the bus consumer could not record (undecodable Avro, unknown type, missing header, data not matching its schema, a reserved source), with its stream entry id and the reason; it was acknowledged so the stream kept flowing. Events sent to `POST /api/v1/events` get their rejection in the answer instead.',
        querystring: PageQuery,
        response: responses({
          200: Page(
            Type.Object({
              id: Type.String(),
              stream: Type.String(),
              streamEntryId: Type.String(),
              type: Type.Union([Type.String(), Type.Null()]),
              source: Type.Union([Type.String(), Type.Null()]),
              externalId: Type.Union([Type.String(), Type.Null()], { description: 'The event id from its headers, when there was one.' }),
              reason: Type.String(),
              receivedAt: Timestamp,
            }),
          ),
        }),
      },
    },
    async (request) => services.insight.rejectedEvents(contextOf(request.principal!, request.id), request.query),
  );

  app.get(
    '/api/v1/events/:id/decisions',
    {
      config: { auth: 'awards:read' },
      schema: {
        tags,
        summary: 'Why an event did what it did',
        description: 'Per badge class whose rules could match: each requirement (fulfilled, counted, failed with the failing rule, its actual value and the reason, outside its window), each penalty, progress before and after, and the resulting award or revocation.',
        params: IdParams,
        response: responses({
          200: Type.Object({
            eventId: Type.String(),
            learnerId: Type.String(),
            type: Type.String(),
            source: Type.String(),
            externalId: Type.String(),
            receivedAt: Timestamp,
            status: StringEnum(['pending', 'processed'] as const),
            decisions: Type.Array(
              Type.Object({
                learnerId: Type.String(),
                explanation: Type.Unknown(),
                transitions: Type.Array(
                  Type.Object({
                    badgeClassId: Type.String(),
                    kind: StringEnum(['award', 'revoke'] as const),
                    done: Type.Boolean(),
                    awardId: Type.Union([Type.String(), Type.Null()]),
                    note: Type.Optional(Type.String({ description: 'While not done: what the award waits for (the learner\'s e-mail). Once done without an award: why.' })),
                  }),
                ),
                createdAt: Timestamp,
              }),
            ),
          }),
        }),
      },
    },
    async (request) => {
      const { event, status, decisions } = await services.insight.decisionsOf(contextOf(request.principal!, request.id), request.params.id);
      return { eventId: event.id, learnerId: event.learnerId, type: event.event.type, source: event.event.source, externalId: event.event.id, receivedAt: event.receivedAt, status, decisions };
    },
  );

  app.get(
    '/api/v1/learners',
    {
      config: { auth: 'awards:read' },
      schema: {
        tags,
        summary: 'Find learners',
        description: 'Learners are identified by the `source` and user id (`externalId`) of their events.',
        querystring: Type.Object({ ...PageQuery.properties, source: Type.Optional(text(255)), externalId: Type.Optional(text(255)), email: Type.Optional(text(320)) }),
        response: responses({ 200: Page(Type.Ref('Learner')) }),
      },
    },
    async (request) => {
      const page = await services.insight.findLearners(contextOf(request.principal!, request.id), request.query);
      return { items: page.items.map(presentLearner), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/learners/:id/events',
    {
      config: { auth: 'awards:read' },
      schema: {
        tags,
        summary: 'A learner\'s events, newest first',
        description:
          'What platforms sent about the learner and the badge events Laurel recorded for their awards and revocations (source `laurel`): `depth` counts the badge events leading back to a learning event, `causedBy` names the event whose processing made the award.',
        params: IdParams,
        querystring: PageQuery,
        response: responses({
          200: Page(
            Type.Object({
              eventId: Type.String(),
              id: Type.String({ description: 'The id given by its source.' }),
              type: Type.String(),
              source: Type.String(),
              time: Type.String(),
              receivedAt: Timestamp,
              status: StringEnum(['pending', 'processed'] as const),
              depth: Type.Integer(),
              causedBy: Type.Union([Type.String(), Type.Null()]),
              data: Type.Unknown(),
            }),
          ),
        }),
      },
    },
    async (request) => {
      const page = await services.insight.eventsOf(contextOf(request.principal!, request.id), request.params.id, request.query);
      const items = page.items.map((stored) => ({
        eventId: stored.id,
        id: stored.event.id,
        type: stored.event.type,
        source: stored.event.source,
        time: stored.event.time,
        receivedAt: stored.receivedAt,
        status: stored.processed ? ('processed' as const) : ('pending' as const),
        depth: stored.depth,
        causedBy: stored.causedBy,
        data: stored.event.data,
      }));
      return { items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/learners/:id/progress',
    {
      config: { auth: 'awards:read' },
      schema: {
        tags,
        summary: 'A learner\'s progress towards each badge class with active rules',
        params: IdParams,
        response: responses({
          200: Type.Object({
            learner: Type.Ref('Learner'),
            items: Type.Array(
              Type.Object({
                badgeClassId: Type.String(),
                fulfilledGroups: Type.Integer(),
                groups: Type.Integer(),
                ratio: Type.Number({ description: 'fulfilledGroups / groups' }),
                complete: Type.Boolean(),
                status: StringEnum(['none', 'awarded', 'revoked'] as const),
                awardId: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
        }),
      },
    },
    async (request) => {
      const { learner, items } = await services.insight.progressOf(contextOf(request.principal!, request.id), request.params.id);
      return { learner: presentLearner(learner), items };
    },
  );
}
