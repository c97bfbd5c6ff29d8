import { expect, it } from 'vitest';
import { openedxTypes } from '../../src/events/openedx/event-types.js';
import { describeEachApp } from '../support/app.js';
import { setUpIssuing, waitFor, type IssuingSetup } from '../support/issuing.js';

const QUIZ = 'com.example.quiz.completed.v1';

const quizSchema = {
  type: 'object',
  required: ['quiz', 'score'],
  properties: {
    quiz: { type: 'string', pattern: '^Q-[0-9]+$' },
    score: { type: 'integer', minimum: 0, maximum: 100 },
    meta: { type: 'object', properties: { attempt: { type: 'integer' } } },
  },
};

let sequence = 0;
function quizEvent(user: string, data: object, type = QUIZ) {
  sequence += 1;
  return { id: `q${sequence}`, type, time: '2025-02-01T00:00:00Z', source: 'quizzes.example', user: { id: user, email: `${user}@example.org` }, data };
}

describeEachApp(
  'event types registered per organisation',
  (app) => {
    const call = (setup: IssuingSetup, method: string, path: string, body?: unknown) => app().call(method, path, { token: setup.token, body });
    const register = (setup: IssuingSetup, body: object) => call(setup, 'POST', '/api/v1/event-types', body);
    const addRequirement = (setup: IssuingSetup, body: object) => call(setup, 'POST', `/api/v1/badge-classes/${setup.badgeClassId}/requirements`, body);

    it('registers a type whose schema checks rules and events, and awards from its events', async () => {
      const setup = await setUpIssuing(app(), 'Types Quiz');
      const created = await register(setup, { type: QUIZ, description: 'A quiz was completed.', schema: quizSchema });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toMatchObject({ type: QUIZ, origin: 'json-schema', description: 'A quiz was completed.', schema: quizSchema, createdAt: expect.any(String) });
      expect(created.body.keyPaths).toEqual([
        { path: 'quiz', kind: 'string', nullable: false },
        { path: 'score', kind: 'integer', nullable: false },
        { path: 'meta', kind: 'object', nullable: true },
        { path: 'meta.attempt', kind: 'integer', nullable: true },
      ]);
      const list = (await call(setup, 'GET', '/api/v1/event-types')).body.items;
      expect(list.map((t: { type: string; origin: string }) => `${t.origin} ${t.type}`)).toEqual([...Object.values(openedxTypes).map((type) => `openedx ${type}`), `json-schema ${QUIZ}`]);
      expect((await call(setup, 'GET', `/api/v1/event-types/${QUIZ}`)).body).toEqual(created.body);
      expect((await call(setup, 'GET', `/api/v1/event-types/${openedxTypes.badgeAwarded}`)).body).toMatchObject({ origin: 'openedx', schema: null, createdAt: null });

      const unknownPath = await addRequirement(setup, { eventType: QUIZ, rules: [{ path: 'quiz', op: 'eq', value: 'Q-1' }, { path: 'grade', op: 'gte', value: 50 }] });
      expect(unknownPath.status).toBe(422);
      expect(unknownPath.body.errors).toEqual([{ field: 'body/rules/1/path', message: expect.stringContaining(`unknown key path "grade" for ${QUIZ}`) }]);
      const wrongKind = await addRequirement(setup, { eventType: QUIZ, rules: [{ path: 'score', op: 'gte', value: 'high' }] });
      expect(wrongKind.status).toBe(422);
      expect(wrongKind.body.errors[0].field).toBe('body/rules/0/value');
      expect((await addRequirement(setup, { eventType: QUIZ, rules: [{ path: 'quiz', op: 'eq', value: 'Q-1' }, { path: 'score', op: 'gte', value: 50 }] })).status).toBe(201);
      expect((await call(setup, 'POST', `/api/v1/badge-classes/${setup.badgeClassId}/activate`)).status).toBe(200);

      const sent = await call(setup, 'POST', '/api/v1/events', [quizEvent('ann', { quiz: 'Q-1', score: 'ten' }), quizEvent('ann', { quiz: 'quiz one', score: 90 }), quizEvent('ann', { quiz: 'Q-1', score: 90 })]);
      expect(sent.status).toBe(202);
      expect(sent.body.items.map((r: { status: string }) => r.status)).toEqual(['rejected', 'rejected', 'accepted']);
      expect(sent.body.items[0].reason).toMatch(new RegExp(`invalid data for ${QUIZ.replaceAll('.', '\\.')}: /data/score must be integer`));
      expect(sent.body.items[1].reason).toContain('/data/quiz must match pattern');
      const awards = await waitFor(
        () => call(setup, 'GET', '/api/v1/awards?recipientEmail=ann@example.org'),
        (r) => r.body.items.length > 0,
      );
      expect(awards.body.items).toEqual([expect.objectContaining({ badgeClassId: setup.badgeClassId, status: 'awarded' })]);
    });

    it('refuses unusable schemas, built-in names and taken names; deletes only what no rule reads', async () => {
      const setup = await setUpIssuing(app(), 'Types Refusals');
      const refuse = async (body: object, status: number, field?: string, message?: RegExp) => {
        const response = await register(setup, body);
        expect(response.status, response.text).toBe(status);
        if (field) expect(response.body.errors[0]).toEqual({ field, message: expect.stringMatching(message!) });
        return response;
      };
      await refuse({ type: 'com.example.bad', schema: { type: 'object', properties: { x: { type: 'nonsense' } } } }, 422, 'body/schema', /must be equal to one of the allowed values|type/);
      await refuse({ type: 'com.example.list', schema: { type: 'array', items: {} } }, 422, 'body/schema', /type "object"/);
      // Patterns run on RE2: look-arounds (and catastrophic backtracking) are not available.
      await refuse({ type: 'com.example.lookahead', schema: { type: 'object', properties: { x: { type: 'string', pattern: '(?=a)a' } } } }, 422, 'body/schema', /unsupported|invalid/);
      await refuse({ type: openedxTypes.coursePassingStatusUpdated, schema: quizSchema }, 422, 'body/type', /built-in/);
      await refuse({ type: 'bad name!', schema: quizSchema }, 400);
      expect((await register(setup, { type: QUIZ, schema: { $id: 'https://example.org/quiz', ...quizSchema } })).status).toBe(201);
      await refuse({ type: QUIZ, schema: quizSchema }, 409);
      // The same `$id` in another type does not collide.
      expect((await register(setup, { type: `${QUIZ}.copy`, schema: { $id: 'https://example.org/quiz', ...quizSchema } })).status).toBe(201);

      const requirement = await addRequirement(setup, { eventType: QUIZ, rules: [{ path: 'score', op: 'gt', value: 1 }] });
      expect(requirement.status).toBe(201);
      const inUse = await call(setup, 'DELETE', `/api/v1/event-types/${QUIZ}`);
      expect(inUse.status).toBe(409);
      expect(inUse.body.detail).toContain(requirement.body.id);
      expect((await call(setup, 'DELETE', `/api/v1/event-types/${openedxTypes.badgeAwarded}`)).status).toBe(409);
      expect((await call(setup, 'DELETE', `/api/v1/badge-classes/${setup.badgeClassId}/requirements/${requirement.body.id}`)).status).toBe(204);
      expect((await call(setup, 'DELETE', `/api/v1/event-types/${QUIZ}`)).status).toBe(204);
      expect((await call(setup, 'GET', `/api/v1/event-types/${QUIZ}`)).status).toBe(404);
      expect((await call(setup, 'DELETE', `/api/v1/event-types/${QUIZ}`)).status).toBe(404);
      const audit = await call(setup, 'GET', `/api/v1/audit-events?targetId=${QUIZ}`);
      expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['event_type.deleted', 'event_type.registered']);

      // Registering a name that generic rules already use checks them against the schema.
      const generic = await addRequirement(setup, { eventType: QUIZ, rules: [{ path: 'grade', op: 'eq', value: 'A' }] });
      expect(generic.status).toBe(201);
      const misfit = await refuse({ type: QUIZ, schema: quizSchema }, 422, 'body/schema', new RegExp(`requirement ${generic.body.id} of badge class ${setup.badgeClassId} does not fit: rules/0/path unknown key path "grade"`));
      expect(misfit.body.detail).toContain('Existing rules do not fit');

      const org = await app().organization('Types Scopes');
      const eventsOnly = await app().token(org.client.client_id, org.client.client_secret!, 'events:write');
      expect((await app().call('POST', '/api/v1/event-types', { token: eventsOnly, body: { type: QUIZ, schema: quizSchema } })).status).toBe(403);
      const reader = await app().token(org.client.client_id, org.client.client_secret!, 'badges:read');
      expect((await app().call('GET', '/api/v1/event-types', { token: reader })).status).toBe(200);
    });

    it("keeps an organisation's types to itself; unknown types are generic JSON", async () => {
      const a = await setUpIssuing(app(), 'Types Tenant A');
      const b = await setUpIssuing(app(), 'Types Tenant B');
      expect((await register(a, { type: QUIZ, schema: quizSchema })).status).toBe(201);
      expect((await call(b, 'GET', `/api/v1/event-types/${QUIZ}`)).status).toBe(404);
      expect((await call(b, 'DELETE', `/api/v1/event-types/${QUIZ}`)).status).toBe(404);
      expect((await call(b, 'GET', '/api/v1/event-types')).body.items.map((t: { type: string }) => t.type)).not.toContain(QUIZ);

      // For B the name is an unknown type: generic JSON, any key path, any object.
      expect((await addRequirement(b, { eventType: QUIZ, rules: [{ path: 'grade', op: 'eq', value: 'A' }] })).status).toBe(201);
      const sent = await call(b, 'POST', '/api/v1/events', [quizEvent('bo', { grade: 'A' }), quizEvent('bo', { anything: [1, 2] }, 'com.example.never.described')]);
      expect(sent.body.items.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
      // B registering its own schema under the same name does not affect A's.
      expect((await register(b, { type: QUIZ, schema: { type: 'object', properties: { grade: { type: 'string' } } } })).status).toBe(201);
      expect((await call(a, 'POST', '/api/v1/events', quizEvent('al', { grade: 'A' }))).body.items[0]).toMatchObject({ status: 'rejected', reason: expect.stringContaining("must have required property 'quiz'") });
      expect((await call(b, 'POST', '/api/v1/events', quizEvent('bo', { grade: 'B' }))).body.items[0]).toMatchObject({ status: 'accepted' });
    });
  },
  {},
  { runWorkers: true },
);
