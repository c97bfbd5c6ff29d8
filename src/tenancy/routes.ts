import { Type } from 'typebox';
import { contextOf } from '../auth/principal.js';
import { roles } from '../auth/scopes.js';
import type { Db } from '../db/database.js';
import type { Api } from '../http/schemas.js';
import { Body, responses, StringEnum, Timestamp } from '../http/schemas.js';
import { notFound } from '../kernel/errors.js';
import { addMember, changeRole, getMember, getMembers, removeMember } from './members.js';
import { BatchedLookup } from '../db/batched-lookup.js';
import { findOrganizations } from './organizations.js';
import type { Member } from './people.js';

const RoleSchema = StringEnum(roles);

const MemberSchema = Type.Object(
  { personId: Type.String(), email: Type.String(), name: Type.Union([Type.String(), Type.Null()]), role: RoleSchema, joinedAt: Timestamp },
  { $id: 'Member' },
);

const PersonParams = Type.Object({ personId: Type.String({ maxLength: 100 }) });

const present = (member: Member) => ({ personId: member.id, email: member.email, name: member.name, role: member.role, joinedAt: member.joinedAt });

/** `/api/v1/organization` and `/api/v1/members`: the caller's organisation and its people. */
export function registerTenancyRoutes(app: Api, db: Db): void {
  app.addSchema(MemberSchema);
  const tags = ['Organisation'];
  // Every API client reads its organisation; concurrent reads share one query.
  const organizations = new BatchedLookup((ids: readonly string[]) => findOrganizations(db, ids));

  app.get(
    '/api/v1/organization',
    {
      schema: {
        tags,
        summary: "The caller's organisation",
        response: responses({ 200: Type.Object({ id: Type.String(), name: Type.String(), createdAt: Timestamp }) }),
      },
    },
    async (request) => {
      const organization = await organizations.load(request.principal!.organizationId);
      if (!organization) throw notFound('Organisation');
      return organization;
    },
  );

  app.get('/api/v1/members', { config: { auth: 'admin' }, schema: { tags, summary: 'List members', response: responses({ 200: Type.Object({ items: Type.Array(Type.Ref('Member')) }) }) } }, async (request) => ({
    items: (await getMembers(db, contextOf(request.principal!, request.id))).map(present),
  }));

  app.post(
    '/api/v1/members',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Add a member',
        description: 'Adds a person by e-mail. A person new to Laurel gets a one-time password, returned only here, to change at first sign-in.',
        body: Body({ email: Type.String({ format: 'email', maxLength: 320 }), name: Type.Optional(Type.String({ maxLength: 200 })), role: RoleSchema }),
        response: responses({ 201: Type.Object({ member: Type.Ref('Member'), oneTimePassword: Type.Union([Type.String(), Type.Null()]) }) }),
      },
    },
    async (request, reply) => {
      const added = await addMember(db, contextOf(request.principal!, request.id), request.body);
      return reply.status(201).send({ member: present(added.member), oneTimePassword: added.oneTimePassword });
    },
  );

  app.get('/api/v1/members/:personId', { config: { auth: 'admin' }, schema: { tags, summary: 'Get a member', params: PersonParams, response: responses({ 200: Type.Ref('Member') }) } }, async (request) =>
    present(await getMember(db, contextOf(request.principal!, request.id), request.params.personId)),
  );

  app.patch(
    '/api/v1/members/:personId',
    { config: { auth: 'admin' }, schema: { tags, summary: "Change a member's role", params: PersonParams, body: Body({ role: RoleSchema }), response: responses({ 200: Type.Ref('Member') }) } },
    async (request) => present(await changeRole(db, contextOf(request.principal!, request.id), request.params.personId, request.body.role)),
  );

  app.delete(
    '/api/v1/members/:personId',
    { config: { auth: 'admin' }, schema: { tags, summary: 'Remove a member', params: PersonParams, response: responses({ 204: Type.Null() }) } },
    async (request, reply) => {
      await removeMember(db, contextOf(request.principal!, request.id), request.params.personId);
      return reply.status(204).send(null);
    },
  );
}
