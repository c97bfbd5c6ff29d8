import { Type } from 'typebox';
import { bakeImage } from '../credentials/baking.js';
import type { JsonObject } from '../credentials/json.js';
import type { Db } from '../db/database.js';
import type { Api } from '../http/schemas.js';
import { StringEnum } from '../http/schemas.js';
import { AppError, notFound } from '../kernel/errors.js';
import { credentialJwt } from './credential-forms.js';
import { ob2Assertion } from './documents.js';
import type { IssuingCatalog } from './ports.js';
import type { StatusListPublisher } from './status-list-publisher.js';
import { findPublicAward, type AwardRecord } from './store.js';

const AwardParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const ImageParams = Type.Object({ id: Type.String({ maxLength: 100 }), extension: StringEnum(['png', 'svg'] as const) });
const ImageQuery = Type.Object({ format: Type.Optional(StringEnum(['ob3', 'ob2'] as const, { description: 'What to bake in: the OB 3.0 credential (default) or the OB 2.0 assertion.' })) });

/** Credentials are public by design (anyone may verify them) but must not be cached stale after revocation. */
const shortCache = 'public, max-age=60';

/**
 * The public forms of an award — what learners share and verifiers fetch: the OB 3.0 credential
 * (Data Integrity and VC-JWT), the OB 2.0 hosted assertion, baked images — and status lists.
 */
export function registerPublicAwardRoutes(app: Api, options: { db: Db; publicUrl: string; catalog: IssuingCatalog; statusLists: StatusListPublisher }): void {
  const { db, publicUrl, catalog, statusLists } = options;
  const tags = ['Public documents'];
  const schema = (summary: string) => ({ tags, summary, security: [], params: AwardParams });

  /** Awards delivered only by a provider have no credential of Laurel's, so no public forms either. */
  async function awardWithCredential(id: string): Promise<AwardRecord & { credential: JsonObject }> {
    const award = await findPublicAward(db, id);
    if (!award?.credential) throw notFound('Award');
    return award as AwardRecord & { credential: JsonObject };
  }

  app.get('/awards/:id/credential', { schema: schema('OB 3.0 credential with a Data Integrity proof') }, async (request, reply) => {
    const award = await awardWithCredential(request.params.id);
    return reply.header('cache-control', shortCache).type('application/vc+ld+json').serializer(JSON.stringify).send(award.credential);
  });

  app.get('/awards/:id/credential.jwt', { schema: schema('OB 3.0 credential as a VC-JWT (ES256)') }, async (request, reply) => {
    const award = await awardWithCredential(request.params.id);
    return reply.header('cache-control', shortCache).type('application/vc+jwt').send(await credentialJwt(catalog, award));
  });

  app.get('/awards/:id', { schema: schema('OB 2.0 hosted assertion (410 once revoked)') }, async (request, reply) => {
    const award = await awardWithCredential(request.params.id);
    return reply
      .status(award.status === 'revoked' ? 410 : 200)
      .header('cache-control', shortCache)
      .type('application/ld+json')
      .serializer(JSON.stringify)
      .send(ob2Assertion(publicUrl, award));
  });

  app.get(
    '/awards/:id/image.:extension',
    { schema: { tags, summary: 'The badge image with the credential baked in', security: [], params: ImageParams, querystring: ImageQuery } },
    async (request, reply) => {
      const award = await awardWithCredential(request.params.id);
      const badgeClass = await catalog.badgeClassVersion(award.badgeClassId, award.badgeClassVersion);
      const image = badgeClass && (await catalog.image(badgeClass.version.imageId));
      if (!image) throw notFound('Badge image');
      const wanted = request.params.extension === 'png' ? 'image/png' : 'image/svg+xml';
      if (image.contentType !== wanted) {
        throw new AppError('not_found', `This badge's image is ${image.contentType === 'image/png' ? 'PNG' : 'SVG'}; ask for image.${image.contentType === 'image/png' ? 'png' : 'svg'}.`);
      }
      const payload =
        request.query.format === 'ob2'
          ? { format: 'ob2' as const, text: JSON.stringify(ob2Assertion(publicUrl, award)) }
          : { format: 'ob3' as const, text: JSON.stringify(award.credential) };
      const baked = bakeImage(image.bytes, payload);
      return reply
        .header('cache-control', shortCache)
        .header('content-disposition', `inline; filename="${award.id}.${request.params.extension}"`)
        .header('x-content-type-options', 'nosniff')
        .type(wanted)
        .send(baked.bytes);
    },
  );

  app.get(
    '/status-lists/:id',
    { schema: { tags, summary: 'A signed BitstringStatusListCredential (revocation)', security: [], params: AwardParams } },
    async (request, reply) => {
      const published = await statusLists.current(request.params.id);
      if (!published) throw notFound('Status list');
      const etag = `"${request.params.id}-${published.version}"`;
      reply.header('etag', etag).header('cache-control', 'public, max-age=300, must-revalidate');
      if (request.headers['if-none-match'] === etag) return reply.status(304).send();
      return reply.type('application/vc+ld+json').serializer(JSON.stringify).send(published.document);
    },
  );
}
