import { Type } from 'typebox';
import { contextOf } from '../auth/principal.js';
import type { Api } from '../http/schemas.js';
import { Body, IdParams, Page, PageQuery, responses, StringEnum } from '../http/schemas.js';
import type { Clock } from '../kernel/clock.js';
import { credentialJwt, signedCredential } from './credential-forms.js';
import type { IssuingCatalog, ProviderStatusLookup } from './ports.js';
import { AwardSchema, presentAward } from './presenter.js';
import type { AwardService } from './service.js';
import type { AwardRecord } from './store.js';

export interface AwardRouteOptions {
  awards: AwardService;
  catalog: Pick<IssuingCatalog, 'signing' | 'imageTypesOfAwards'>;
  publicUrl: string;
  clock: Clock;
  providerStatuses: ProviderStatusLookup;
}

/** Awards as the API shows them, with their provider delivery where there is one. */
export function awardPresenter(options: Pick<AwardRouteOptions, 'publicUrl' | 'clock' | 'providerStatuses'> & { catalog: Pick<IssuingCatalog, 'imageTypesOfAwards'> }) {
  return async (records: readonly AwardRecord[]) => {
    const ids = records.map((record) => record.id);
    const [statuses, imageTypes] = await Promise.all([options.providerStatuses(ids), options.catalog.imageTypesOfAwards(ids)]);
    const now = options.clock.now();
    return records.map((record) => presentAward(record, options.publicUrl, now, imageTypes.get(record.id) ?? 'image/png', statuses.get(record.id)));
  };
}

const Evidence = Type.Array(
  Body({
    id: Type.Optional(Type.String({ format: 'uri', maxLength: 2000, description: 'URL of the evidence' })),
    name: Type.Optional(Type.String({ maxLength: 500 })),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    narrative: Type.Optional(Type.String({ maxLength: 20000 })),
  }),
  { maxItems: 50 },
);

const Recipient = Body({
  email: Type.String({ format: 'email', maxLength: 320 }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  did: Type.Optional(Type.String({ pattern: '^did:[a-z0-9]+:.+', maxLength: 2000 })),
  externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
});

const DateTime = Type.String({ format: 'date-time' });

/** `/api/v1/awards`: issue, read and revoke awards of the caller's organisation. */
export function registerAwardRoutes(app: Api, options: AwardRouteOptions): void {
  const { awards, catalog } = options;
  app.addSchema(AwardSchema);
  const tags = ['Awards'];
  const presentAll = awardPresenter(options);
  const present = async (award: AwardRecord) => (await presentAll([award]))[0]!;

  app.post(
    '/api/v1/awards',
    {
      config: { auth: 'awards:write' },
      schema: {
        tags,
        summary: 'Award a badge class to a recipient',
        description:
          'Answers 201 with the new award, or 200 with the existing one when the recipient already holds a badge class that may be held only once. `notify: true` e-mails the recipient about a new award (never about one they already hold); it is refused (422) while e-mail is off.',
        body: Body({
          badgeClassId: Type.String({ maxLength: 100 }),
          recipient: Recipient,
          evidence: Type.Optional(Evidence),
          narrative: Type.Optional(Type.String({ maxLength: 20000 })),
          issuedOn: Type.Optional(DateTime),
          expiresOn: Type.Optional(DateTime),
          notify: Type.Optional(Type.Boolean({ default: false, description: 'E-mail the recipient about the new award.' })),
        }),
        response: responses({ 200: Type.Ref('Award'), 201: Type.Ref('Award') }),
      },
    },
    async (request, reply) => {
      const { badgeClassId, issuedOn, expiresOn, ...rest } = request.body;
      const [result] = await awards.issue(contextOf(request.principal!, request.id), badgeClassId, [
        { ...rest, issuedOn: issuedOn ? new Date(issuedOn) : undefined, expiresOn: expiresOn ? new Date(expiresOn) : undefined },
      ]);
      const status = result!.outcome === 'awarded' ? 201 : 200;
      return reply.status(status).header('location', `/api/v1/awards/${result!.award.id}`).send(await present(result!.award));
    },
  );

  app.get(
    '/api/v1/awards',
    {
      config: { auth: 'awards:read' },
      schema: {
        tags,
        summary: 'List awards, newest first',
        querystring: Type.Object({
          ...PageQuery.properties,
          badgeClassId: Type.Optional(Type.String({ maxLength: 100 })),
          recipientEmail: Type.Optional(Type.String({ maxLength: 320 })),
          status: Type.Optional(StringEnum(['awarded', 'revoked', 'expired'] as const)),
          issuedFrom: Type.Optional(DateTime),
          issuedTo: Type.Optional(DateTime),
        }),
        response: responses({ 200: Page(Type.Ref('Award')) }),
      },
    },
    async (request) => {
      const { issuedFrom, issuedTo, ...query } = request.query;
      const page = await awards.list(contextOf(request.principal!, request.id), {
        ...query,
        issuedFrom: issuedFrom ? new Date(issuedFrom) : undefined,
        issuedTo: issuedTo ? new Date(issuedTo) : undefined,
      });
      return { items: await presentAll(page.items), nextCursor: page.nextCursor };
    },
  );

  app.get('/api/v1/awards/:id', { config: { auth: 'awards:read' }, schema: { tags, summary: 'Get an award', params: IdParams, response: responses({ 200: Type.Ref('Award') }) } }, async (request) =>
    present(await awards.get(contextOf(request.principal!, request.id), request.params.id)),
  );

  app.get(
    '/api/v1/awards/:id/credential',
    { config: { auth: 'awards:read' }, schema: { tags, summary: "The award's OB 3.0 credential (Data Integrity proof); also public at its links.credential", params: IdParams } },
    async (request, reply) =>
      reply.type('application/vc+ld+json').serializer(JSON.stringify).send(signedCredential(await awards.get(contextOf(request.principal!, request.id), request.params.id))),
  );

  app.get(
    '/api/v1/awards/:id/credential.jwt',
    { config: { auth: 'awards:read' }, schema: { tags, summary: "The award's OB 3.0 credential as VC-JWT (ES256)", params: IdParams } },
    async (request, reply) => reply.type('application/vc+jwt').send(await credentialJwt(catalog, await awards.get(contextOf(request.principal!, request.id), request.params.id))),
  );

  app.post(
    '/api/v1/awards/:id/revoke',
    {
      config: { auth: 'awards:write' },
      schema: {
        tags,
        summary: 'Revoke an award',
        description: "Flips the award's bit in its issuer's status list; verifiers see it as revoked from then on. Revoking twice changes nothing.",
        params: IdParams,
        body: Body({ reason: Type.String({ minLength: 1, maxLength: 1000 }) }),
        response: responses({ 200: Type.Ref('Award') }),
      },
    },
    async (request) => present(await awards.revoke(contextOf(request.principal!, request.id), request.params.id, request.body.reason)),
  );
}
