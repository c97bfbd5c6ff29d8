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
  type: Type.String({ pattern: '^[\\w.-]{1,255}$', description: 'A built-in Open edX type (its payload is checked against its schema) or any other name (any JSON object).' }),
  time: Type.String({ format: 'date-time', description: 'When it happened at the source.' }),
  source: text(255),
  user: Body({ id: text(255), email: Type.String({ format: 'email', maxLength: 320 }), name: Type.Optional(text(300)), username: Type.Optional(text(300)) }),
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
    email: Type.String(),
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
        description: `One event or a list of up to ${maxEventsPerRequest}. Answers 202 once the events are durably recorded, with a status per event in the order sent: \`accepted\` (evaluated shortly by a job), \`duplicate\` (same source and id seen before; ignored) or \`rejected\` with the reason (e.g. data not matching the type's schema; not recorded).`,
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
                transitions: Type.Array(Type.Object({ badgeClassId: Type.String(), kind: StringEnum(['award', 'revoke'] as const), done: Type.Boolean(), awardId: Type.Union([Type.String(), Type.Null()]) })),
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
