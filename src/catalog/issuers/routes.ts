import { Type } from 'typebox';
import { contextOf } from '../../auth/principal.js';
import { verificationMethodId } from '../../credentials/identifiers.js';
import type { Api } from '../../http/schemas.js';
import { Body, IdParams, NullableTimestamp, Page, PageQuery, responses, StringEnum, Timestamp } from '../../http/schemas.js';
import type { PublicUrls } from '../public-urls.js';
import { sendPublicJson } from '../public-json.js';
import { HttpUrl, ImageId, Nullable } from '../schemas.js';
import { identityOf, publicPart } from './keyring.js';
import type { IssuerService, IssuerWithKeys } from './service.js';
import type { Issuer, IssuerKey } from './store.js';

const issuerProperties = {
  id: Type.String(),
  did: Type.String({ description: 'did:web under the public URL when it names a real host, else did:key. Also the OB 3.0 issuer id.' }),
  name: Type.String(),
  url: Type.String(),
  email: Nullable(Type.String()),
  description: Nullable(Type.String()),
  imageId: Nullable(Type.String()),
  urls: Type.Object({
    profile: Type.String({ description: 'The public OB 2.0 issuer Profile.' }),
    didDocument: Nullable(Type.String({ description: 'The public DID document (did:web issuers only).' })),
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

const IssuerSchema = Type.Object(issuerProperties, { $id: 'Issuer' });

const IssuerKeySchema = Type.Object({
  algorithm: StringEnum(['Ed25519', 'P-256'] as const),
  version: Type.Integer(),
  verificationMethod: Type.String(),
  createdAt: Timestamp,
  retiredAt: NullableTimestamp,
});

const IssuerWithKeysSchema = Type.Object(
  { ...issuerProperties, keys: Type.Array(IssuerKeySchema, { description: 'Every key, current and retired; retired keys stay published.' }) },
  { $id: 'IssuerWithKeys' },
);

const profileFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  url: HttpUrl,
  email: Type.String({ format: 'email', maxLength: 320 }),
  description: Type.String({ maxLength: 5000 }),
  imageId: ImageId,
};

/** `/api/v1/issuers` (scopes `badges:read` / `badges:write`) and the public issuer documents. */
export function registerIssuerRoutes(app: Api, issuers: IssuerService, urls: PublicUrls): void {
  app.addSchema(IssuerSchema);
  app.addSchema(IssuerWithKeysSchema);
  const tags = ['Issuers'];

  const present = (issuer: Issuer) => ({
    id: issuer.id,
    did: issuer.did,
    name: issuer.name,
    url: issuer.url,
    email: issuer.email,
    description: issuer.description,
    imageId: issuer.imageId,
    urls: { profile: urls.issuer(issuer.id), didDocument: identityOf(issuer.did).method === 'web' ? urls.didDocument(issuer.id) : null },
    createdAt: issuer.createdAt,
    updatedAt: issuer.updatedAt,
  });
  const presentKey = (issuer: Issuer, key: IssuerKey) => ({
    algorithm: key.algorithm,
    version: key.version,
    verificationMethod: verificationMethodId(identityOf(issuer.did), publicPart(key)),
    createdAt: key.createdAt,
    retiredAt: key.retiredAt,
  });
  const presentWithKeys = ({ issuer, keys }: IssuerWithKeys) => ({ ...present(issuer), keys: keys.map((key) => presentKey(issuer, key)) });

  app.post(
    '/api/v1/issuers',
    {
      config: { auth: 'badges:write' },
      schema: {
        tags,
        summary: 'Create an issuer',
        description: 'Generates its Ed25519 (Data Integrity) and P-256 (VC-JWT) keys, encrypted at rest, and its DID.',
        body: Body({ name: profileFields.name, url: profileFields.url, email: Type.Optional(profileFields.email), description: Type.Optional(profileFields.description), imageId: Type.Optional(profileFields.imageId) }),
        response: responses({ 201: Type.Ref('IssuerWithKeys') }),
      },
    },
    async (request, reply) => {
      const { name, url, email = null, description = null, imageId = null } = request.body;
      const created = await issuers.create(contextOf(request.principal!, request.id), { name, url, email, description, imageId });
      return reply.status(201).header('location', `/api/v1/issuers/${created.issuer.id}`).send(presentWithKeys(created));
    },
  );

  app.get(
    '/api/v1/issuers',
    { config: { auth: 'badges:read' }, schema: { tags, summary: 'List issuers', querystring: PageQuery, response: responses({ 200: Page(Type.Ref('Issuer')) }) } },
    async (request) => {
      const page = await issuers.list(contextOf(request.principal!, request.id), request.query.after, request.query.limit);
      return { items: page.items.map(present), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/issuers/:id',
    { config: { auth: 'badges:read' }, schema: { tags, summary: 'Get an issuer with its keys', params: IdParams, response: responses({ 200: Type.Ref('IssuerWithKeys') }) } },
    async (request) => presentWithKeys(await issuers.get(contextOf(request.principal!, request.id), request.params.id)),
  );

  app.patch(
    '/api/v1/issuers/:id',
    {
      config: { auth: 'badges:write' },
      schema: {
        tags,
        summary: "Change an issuer's profile",
        description: 'Only the fields sent change; `null` clears an optional field. The DID and keys stay.',
        params: IdParams,
        body: Body({
          name: Type.Optional(profileFields.name),
          url: Type.Optional(profileFields.url),
          email: Type.Optional(Nullable(profileFields.email)),
          description: Type.Optional(Nullable(profileFields.description)),
          imageId: Type.Optional(Nullable(profileFields.imageId)),
        }),
        response: responses({ 200: Type.Ref('IssuerWithKeys') }),
      },
    },
    async (request) => presentWithKeys(await issuers.update(contextOf(request.principal!, request.id), request.params.id, request.body)),
  );

  app.post(
    '/api/v1/issuers/:id/keys/rotate',
    {
      config: { auth: 'badges:write' },
      schema: {
        tags,
        summary: 'Rotate the signing keys',
        description: 'Adds the next version of both keys; the previous ones are retired but stay published so old credentials verify. A did:key issuer moves to the DID of its new key.',
        params: IdParams,
        response: responses({ 200: Type.Ref('IssuerWithKeys') }),
      },
    },
    async (request) => presentWithKeys(await issuers.rotateKeys(contextOf(request.principal!, request.id), request.params.id)),
  );

  const publicTags = ['Public documents'];
  app.get('/issuers/:id/did.json', { schema: { tags: publicTags, summary: "A did:web issuer's DID document (public)", params: IdParams } }, async (request, reply) =>
    sendPublicJson(request, reply, await issuers.publicDidDocument(request.params.id)),
  );
  app.get('/issuers/:id', { schema: { tags: publicTags, summary: 'The OB 2.0 issuer Profile (public)', params: IdParams } }, async (request, reply) =>
    sendPublicJson(request, reply, await issuers.publicOb2Profile(request.params.id)),
  );
}
