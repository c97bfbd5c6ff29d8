import { Type } from 'typebox';
import { contextOf } from '../../auth/principal.js';
import type { Api } from '../../http/schemas.js';
import { Body, IdParams, NullableTimestamp, Page, PageQuery, responses, StringEnum, Timestamp } from '../../http/schemas.js';
import type { PublicUrls } from '../public-urls.js';
import { sendPublicJson } from '../public-json.js';
import { HttpUrl, ImageId, Nullable } from '../schemas.js';
import { achievementTypes } from './achievement-types.js';
import { expiryPolicy, type ExpiryInput } from './content-rules.js';
import { criteriaPage } from './criteria-page.js';
import { ob2BadgeClass } from './ob2-badge-class.js';
import type { BadgeClassChanges, BadgeClassService } from './service.js';
import type { BadgeClass, BadgeClassContent, BadgeClassVersion } from './store.js';

const text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

const AlignmentInput = Body({
  targetName: text(500),
  targetUrl: HttpUrl,
  targetDescription: Type.Optional(text(2000)),
  targetFramework: Type.Optional(text(500)),
  targetCode: Type.Optional(text(200)),
  targetType: Type.Optional(text(100)),
});

const ExpiryInputSchema = Body({
  kind: StringEnum(['never', 'date', 'duration'] as const),
  date: Type.Optional(Type.String({ format: 'date-time', description: 'For `date`: when every award expires.' })),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500, description: 'For `duration`: days after the award date.' })),
});

/** Input fields shared by create and edit; create requires some of them. */
const fields = {
  name: text(200),
  description: text(5000),
  imageId: ImageId,
  criteria: Body({ narrative: Type.Optional(text(20000)), url: Type.Optional(HttpUrl) }),
  achievementType: StringEnum(achievementTypes),
  alignments: Type.Array(AlignmentInput, { maxItems: 100 }),
  tags: Type.Array(text(100), { maxItems: 50, uniqueItems: true }),
  language: Type.String({ pattern: '^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$', description: 'BCP 47, e.g. `en` or `pt-BR`.' }),
  expiry: ExpiryInputSchema,
  allowMultiple: Type.Boolean({ description: 'Whether a learner may hold it more than once.' }),
  issuingBackend: Type.Object(
    {
      connectionId: Type.String({ maxLength: 100, description: 'A Credly or Accredible connection of the organisation.' }),
      templateId: Type.String({
        minLength: 1,
        maxLength: 200,
        description: "A synced template of that connection (Credly badge template or Accredible group), by Laurel's id (`tpl_…`) or the provider's id. It must be active.",
      }),
      ownCredential: Type.Optional(Type.Boolean({ description: 'Also sign an OB 3.0 credential of Laurel for each award (default false).' })),
    },
    { additionalProperties: false, description: 'Deliver awards through a provider. Absent (or null on edit): Laurel issues its own credentials only.' },
  ),
};

const IssuingBackendSchema = Nullable(
  Type.Object({ connectionId: Type.String(), templateId: Type.String({ description: "Laurel's id of the synced template." }), ownCredential: Type.Boolean() }),
);

const contentProperties = {
  name: Type.String(),
  description: Type.String(),
  imageId: Type.String(),
  criteria: Type.Object({ narrative: Nullable(Type.String()), url: Nullable(Type.String()) }),
  achievementType: StringEnum(achievementTypes),
  alignments: Type.Array(
    Type.Object({
      targetName: Type.String(),
      targetUrl: Type.String(),
      targetDescription: Type.Optional(Type.String()),
      targetFramework: Type.Optional(Type.String()),
      targetCode: Type.Optional(Type.String()),
      targetType: Type.Optional(Type.String()),
    }),
  ),
  tags: Type.Array(Type.String()),
  language: Nullable(Type.String()),
  expiry: Type.Object({ kind: StringEnum(['never', 'date', 'duration'] as const), date: Type.Optional(Type.String()), days: Type.Optional(Type.Integer()) }),
  urls: Type.Object({
    image: Type.String(),
    badgeClass: Type.String({ description: 'The public OB 2.0 BadgeClass of this version.' }),
    criteria: Type.String({ description: 'The public criteria page of this version.' }),
  }),
};

const BadgeClassSchema = Type.Object(
  {
    id: Type.String(),
    issuerId: Type.String(),
    version: Type.Integer({ description: 'The current version.' }),
    ...contentProperties,
    allowMultiple: Type.Boolean(),
    issuingBackend: IssuingBackendSchema,
    archivedAt: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'BadgeClass' },
);

const BadgeClassVersionSchema = Type.Object({ badgeClassId: Type.String(), version: Type.Integer(), ...contentProperties, createdAt: Timestamp }, { $id: 'BadgeClassVersion' });

const VersionParams = Type.Object({ id: Type.String({ maxLength: 100 }), n: Type.Integer({ minimum: 1 }) });

type CriteriaInput = { narrative?: string; url?: string };

const criteriaOf = (criteria: CriteriaInput): BadgeClassContent['criteria'] => ({ narrative: criteria.narrative ?? null, url: criteria.url ?? null });

/** Only the fields the client sent: an absent field must not overwrite the current value. */
function changesOf(
  body: Partial<Omit<BadgeClassContent, 'criteria' | 'expiry'>> & { criteria?: CriteriaInput; expiry?: ExpiryInput; allowMultiple?: boolean; issuingBackend?: BadgeClassChanges['issuingBackend'] },
): BadgeClassChanges {
  const { criteria, expiry, ...rest } = body;
  return {
    ...rest,
    ...(criteria && { criteria: criteriaOf(criteria) }),
    ...(expiry && { expiry: expiryPolicy(expiry, 'body/expiry') }),
  };
}

/** `/api/v1/badge-classes` (scopes `badges:read` / `badges:write`) and the public documents of each version. */
export function registerBadgeClassRoutes(app: Api, badgeClasses: BadgeClassService, urls: PublicUrls): void {
  app.addSchema(BadgeClassSchema);
  app.addSchema(BadgeClassVersionSchema);
  const tags = ['Badge classes'];

  const presentContent = (badgeClassId: string, version: BadgeClassVersion) => ({
    name: version.name,
    description: version.description,
    imageId: version.imageId,
    criteria: version.criteria,
    achievementType: version.achievementType,
    alignments: version.alignments,
    tags: version.tags,
    language: version.language,
    expiry: version.expiry,
    urls: { image: urls.image(version.imageId), badgeClass: urls.badgeClassVersion(badgeClassId, version.version), criteria: urls.criteria(badgeClassId, version.version) },
  });
  const present = ({ badgeClass, version }: { badgeClass: BadgeClass; version: BadgeClassVersion }) => ({
    id: badgeClass.id,
    issuerId: badgeClass.issuerId,
    version: version.version,
    ...presentContent(badgeClass.id, version),
    allowMultiple: badgeClass.allowMultiple,
    issuingBackend: badgeClass.issuingBackend,
    archivedAt: badgeClass.archivedAt,
    createdAt: badgeClass.createdAt,
    updatedAt: badgeClass.updatedAt,
  });
  const presentVersion = (version: BadgeClassVersion) => ({ badgeClassId: version.badgeClassId, version: version.version, ...presentContent(version.badgeClassId, version), createdAt: version.createdAt });

  app.post(
    '/api/v1/badge-classes',
    {
      config: { auth: 'badges:write' },
      schema: {
        tags,
        summary: 'Create a badge class',
        description: 'The issuer and image must belong to the caller\'s organisation. Criteria need a Markdown `narrative`, a `url`, or both.',
        body: Body({
          issuerId: Type.String({ maxLength: 100 }),
          name: fields.name,
          description: fields.description,
          imageId: fields.imageId,
          criteria: fields.criteria,
          achievementType: Type.Optional(fields.achievementType),
          alignments: Type.Optional(fields.alignments),
          tags: Type.Optional(fields.tags),
          language: Type.Optional(fields.language),
          expiry: Type.Optional(fields.expiry),
          allowMultiple: Type.Optional(fields.allowMultiple),
          issuingBackend: Type.Optional(fields.issuingBackend),
        }),
        response: responses({ 201: Type.Ref('BadgeClass') }),
      },
    },
    async (request, reply) => {
      const body = request.body;
      const created = await badgeClasses.create(contextOf(request.principal!, request.id), {
        issuerId: body.issuerId,
        allowMultiple: body.allowMultiple ?? false,
        issuingBackend: body.issuingBackend,
        content: {
          name: body.name,
          description: body.description,
          imageId: body.imageId,
          criteria: criteriaOf(body.criteria),
          achievementType: body.achievementType ?? 'Badge',
          alignments: body.alignments ?? [],
          tags: body.tags ?? [],
          language: body.language ?? null,
          expiry: expiryPolicy(body.expiry ?? { kind: 'never' }, 'body/expiry'),
        },
      });
      return reply.status(201).header('location', `/api/v1/badge-classes/${created.badgeClass.id}`).send(present(created));
    },
  );

  app.get(
    '/api/v1/badge-classes',
    {
      config: { auth: 'badges:read' },
      schema: {
        tags,
        summary: 'List badge classes',
        description: 'Active ones unless `archived=true`, which lists the archived ones.',
        querystring: Type.Object({ ...PageQuery.properties, issuerId: Type.Optional(Type.String({ maxLength: 100 })), archived: Type.Boolean({ default: false }) }),
        response: responses({ 200: Page(Type.Ref('BadgeClass')) }),
      },
    },
    async (request) => {
      const page = await badgeClasses.list(contextOf(request.principal!, request.id), request.query);
      return { items: page.items.map(present), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/badge-classes/:id',
    { config: { auth: 'badges:read' }, schema: { tags, summary: 'Get a badge class (current version)', params: IdParams, response: responses({ 200: Type.Ref('BadgeClass') }) } },
    async (request) => present(await badgeClasses.get(contextOf(request.principal!, request.id), request.params.id)),
  );

  app.patch(
    '/api/v1/badge-classes/:id',
    {
      config: { auth: 'badges:write' },
      schema: {
        tags,
        summary: 'Edit a badge class',
        description: 'Only the fields sent change (`criteria` is replaced whole; `language: null` clears it). If an award uses the current version, the edit creates the next version; otherwise it changes the current one.',
        params: IdParams,
        body: Body({
          name: Type.Optional(fields.name),
          description: Type.Optional(fields.description),
          imageId: Type.Optional(fields.imageId),
          criteria: Type.Optional(fields.criteria),
          achievementType: Type.Optional(fields.achievementType),
          alignments: Type.Optional(fields.alignments),
          tags: Type.Optional(fields.tags),
          language: Type.Optional(Nullable(fields.language)),
          expiry: Type.Optional(fields.expiry),
          allowMultiple: Type.Optional(fields.allowMultiple),
          issuingBackend: Type.Optional(Nullable(fields.issuingBackend)),
        }),
        response: responses({ 200: Type.Ref('BadgeClass') }),
      },
    },
    async (request) => present(await badgeClasses.update(contextOf(request.principal!, request.id), request.params.id, changesOf(request.body))),
  );

  app.get(
    '/api/v1/badge-classes/:id/versions/:n',
    { config: { auth: 'badges:read' }, schema: { tags, summary: 'Get one version of a badge class', params: VersionParams, response: responses({ 200: Type.Ref('BadgeClassVersion') }) } },
    async (request) => presentVersion(await badgeClasses.getVersion(contextOf(request.principal!, request.id), request.params.id, request.params.n)),
  );

  app.post(
    '/api/v1/badge-classes/:id/archive',
    { config: { auth: 'badges:write' }, schema: { tags, summary: 'Archive a badge class (no new awards)', params: IdParams, response: responses({ 200: Type.Ref('BadgeClass') }) } },
    async (request) => present(await badgeClasses.archive(contextOf(request.principal!, request.id), request.params.id)),
  );

  const publicTags = ['Public documents'];
  app.get('/badge-classes/:id/versions/:n', { schema: { tags: publicTags, summary: 'The OB 2.0 BadgeClass of a version (public)', params: VersionParams } }, async (request, reply) => {
    const { badgeClass, version } = await badgeClasses.publicVersion(request.params.id, request.params.n);
    return sendPublicJson(request, reply, ob2BadgeClass(urls, badgeClass, version));
  });
  app.get('/badge-classes/:id/versions/:n/criteria', { schema: { tags: publicTags, summary: 'The criteria page of a version (public HTML)', params: VersionParams } }, async (request, reply) => {
    const { version, issuer } = await badgeClasses.publicVersion(request.params.id, request.params.n);
    return reply
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:")
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'public, max-age=300')
      .type('text/html; charset=utf-8')
      .send(criteriaPage(version, issuer.name));
  });
}
