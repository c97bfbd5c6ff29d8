import { Type } from 'typebox';
import { contextOf } from '../auth/principal.js';
import type { Api } from '../http/schemas.js';
import { Body, IdParams, NullableTimestamp, responses, StringEnum } from '../http/schemas.js';
import { ruleOperators, type DataRule, type RuleOperator } from '../rules/index.js';
import type { RuleSetService } from './rule-set-service.js';
import type { RuleSet } from './rule-set-store.js';

const name = (maxLength: number) => Type.String({ minLength: 1, maxLength });

const RuleInput = Body({
  path: Type.String({ maxLength: 500, description: 'Dot-separated key path into the event\'s `data`, e.g. `course.course_key`.' }),
  op: StringEnum(ruleOperators),
  // Left untyped here: a schema union would let the HTTP layer coerce 70 into "70". The rule
  // validator checks each value against the operator and the key path's type instead.
  value: Type.Optional(Type.Unknown({ description: 'A scalar; a list for `in`/`not_in`; an RE2 pattern for `matches`; omitted for `exists`/`not_exists`.' })),
});

const Rules = Type.Array(RuleInput, { maxItems: 50 });
const EventType = Type.String({ minLength: 1, maxLength: 255, description: 'A built-in Open edX type or any other name (generic JSON).' });

const RequirementInput = Body({
  eventType: EventType,
  description: Type.Optional(name(1000)),
  group: Type.Optional(name(255)),
  rules: Type.Optional(Rules),
  count: Type.Optional(Body({ n: Type.Integer({ minimum: 1, maximum: 10_000 }), distinctBy: Type.Optional(name(500)) })),
  window: Type.Optional(Body({ from: Type.Optional(Type.String({ format: 'date-time' })), until: Type.Optional(Type.String({ format: 'date-time' })) })),
});

const PenaltyInput = Body({
  eventType: EventType,
  description: Type.Optional(name(1000)),
  rules: Type.Optional(Rules),
  requirementIds: Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 100 }),
});

const Rule = Type.Object({ path: Type.String(), op: Type.String(), value: Type.Optional(Type.Unknown()) });
const RequirementSchema = Type.Object(
  {
    id: Type.String(),
    eventType: Type.String(),
    description: Type.Optional(Type.String()),
    group: Type.Optional(Type.String()),
    rules: Type.Array(Rule),
    count: Type.Optional(Type.Object({ n: Type.Integer(), distinctBy: Type.Optional(Type.String()) })),
    window: Type.Optional(Type.Object({ from: Type.Optional(Type.String()), until: Type.Optional(Type.String()) })),
  },
  { $id: 'Requirement' },
);
const PenaltySchema = Type.Object(
  { id: Type.String(), eventType: Type.String(), description: Type.Optional(Type.String()), rules: Type.Array(Rule), requirementIds: Type.Array(Type.String()) },
  { $id: 'Penalty' },
);
const RuleSetSchema = Type.Object(
  {
    badgeClassId: Type.String(),
    active: Type.Boolean(),
    reawardAfterRevoke: Type.Boolean({ description: 'Whether later events may award again a badge that a penalty revoked.' }),
    requirements: Type.Array(Type.Ref('Requirement')),
    penalties: Type.Array(Type.Ref('Penalty')),
    updatedAt: NullableTimestamp,
  },
  { $id: 'RuleSet' },
);

const RequirementParams = Type.Object({ id: Type.String({ maxLength: 100 }), requirementId: Type.String({ maxLength: 100 }) });
const PenaltyParams = Type.Object({ id: Type.String({ maxLength: 100 }), penaltyId: Type.String({ maxLength: 100 }) });

/** Rule values are checked by the service's rule validator (see `RuleInput`), which refuses any that do not fit. */
const asRules = (rules: { path: string; op: RuleOperator; value?: unknown }[] | undefined) => (rules ?? []) as DataRule[];

const present = (ruleSet: RuleSet) => ({
  badgeClassId: ruleSet.badgeClassId,
  active: ruleSet.active,
  reawardAfterRevoke: ruleSet.reawardAfterRevoke,
  requirements: ruleSet.requirements,
  penalties: ruleSet.penalties,
  updatedAt: ruleSet.updatedAt,
});

/** `/api/v1/badge-classes/{id}/…`: the rules that award a badge class automatically. */
export function registerRuleRoutes(app: Api, ruleSets: RuleSetService): void {
  app.addSchema(RequirementSchema);
  app.addSchema(PenaltySchema);
  app.addSchema(RuleSetSchema);
  const tags = ['Automatic awarding'];
  const invalid = 'Rules are checked against the event type\'s schema: an unknown key path, a wrong value type or a misused operator is `422 unprocessable` naming the rule (`body/rules/0/path`).';

  app.get(
    '/api/v1/badge-classes/:id/rules',
    { config: { auth: 'badges:read' }, schema: { tags, summary: 'The rule set of a badge class', params: IdParams, response: responses({ 200: Type.Ref('RuleSet') }) } },
    async (request) => present(await ruleSets.get(contextOf(request.principal!, request.id), request.params.id)),
  );

  app.patch(
    '/api/v1/badge-classes/:id/rules',
    {
      config: { auth: 'badges:write' },
      schema: { tags, summary: 'Change the re-award policy', params: IdParams, body: Body({ reawardAfterRevoke: Type.Boolean() }), response: responses({ 200: Type.Ref('RuleSet') }) },
    },
    async (request) => present(await ruleSets.setReawardAfterRevoke(contextOf(request.principal!, request.id), request.params.id, request.body.reawardAfterRevoke)),
  );

  for (const [action, active] of [['activate', true], ['deactivate', false]] as const) {
    app.post(
      `/api/v1/badge-classes/:id/${action}`,
      {
        config: { auth: 'badges:write' },
        schema: {
          tags,
          summary: active ? 'Start awarding automatically' : 'Stop awarding automatically',
          description: active ? 'Refused (`422`) without a requirement, and (`409`) for an archived badge class. Events received from now on are evaluated; earlier ones are not replayed.' : 'Progress and awards are kept.',
          params: IdParams,
          response: responses({ 200: Type.Ref('RuleSet') }),
        },
      },
      async (request) => present(await ruleSets.setActive(contextOf(request.principal!, request.id), request.params.id, active)),
    );
  }

  app.post(
    '/api/v1/badge-classes/:id/requirements',
    {
      config: { auth: 'badges:write' },
      schema: {
        tags,
        summary: 'Add a requirement',
        description: `All rules must match (none: every event of the type). Requirements sharing a \`group\` are alternatives; groups must all be fulfilled. ${invalid}`,
        params: IdParams,
        body: RequirementInput,
        response: responses({ 201: Type.Ref('Requirement') }),
      },
    },
    async (request, reply) => {
      const { rules, ...rest } = request.body;
      const created = await ruleSets.addRequirement(contextOf(request.principal!, request.id), request.params.id, { ...rest, rules: asRules(rules) });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/v1/badge-classes/:id/requirements',
    { config: { auth: 'badges:read' }, schema: { tags, summary: 'List requirements', params: IdParams, response: responses({ 200: Type.Object({ items: Type.Array(Type.Ref('Requirement')) }) }) } },
    async (request) => ({ items: (await ruleSets.get(contextOf(request.principal!, request.id), request.params.id)).requirements }),
  );

  app.delete(
    '/api/v1/badge-classes/:id/requirements/:requirementId',
    {
      config: { auth: 'badges:write' },
      schema: {
        tags,
        summary: 'Delete a requirement',
        description: '`409` while a penalty resets it, or when it is the last requirement of an active badge class.',
        params: RequirementParams,
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await ruleSets.removeRequirement(contextOf(request.principal!, request.id), request.params.id, request.params.requirementId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/badge-classes/:id/penalties',
    {
      config: { auth: 'badges:write' },
      schema: {
        tags,
        summary: 'Add a penalty',
        description: `When an event matches all its rules, the listed requirements of this badge class are no longer fulfilled; an awarded badge that becomes incomplete is revoked. ${invalid}`,
        params: IdParams,
        body: PenaltyInput,
        response: responses({ 201: Type.Ref('Penalty') }),
      },
    },
    async (request, reply) => {
      const { rules, ...rest } = request.body;
      const created = await ruleSets.addPenalty(contextOf(request.principal!, request.id), request.params.id, { ...rest, rules: asRules(rules) });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/v1/badge-classes/:id/penalties',
    { config: { auth: 'badges:read' }, schema: { tags, summary: 'List penalties', params: IdParams, response: responses({ 200: Type.Object({ items: Type.Array(Type.Ref('Penalty')) }) }) } },
    async (request) => ({ items: (await ruleSets.get(contextOf(request.principal!, request.id), request.params.id)).penalties }),
  );

  app.delete(
    '/api/v1/badge-classes/:id/penalties/:penaltyId',
    { config: { auth: 'badges:write' }, schema: { tags, summary: 'Delete a penalty', params: PenaltyParams, response: responses({ 204: Type.Null() }) } },
    async (request, reply) => {
      await ruleSets.removePenalty(contextOf(request.principal!, request.id), request.params.id, request.params.penaltyId);
      return reply.status(204).send(null);
    },
  );
}
