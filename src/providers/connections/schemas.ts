import { Type, type Static, type TObject, type TSchema } from 'typebox';
import { HttpUrl, Nullable } from '../../catalog/schemas.js';
import { NullableTimestamp, StringEnum, Timestamp } from '../../http/schemas.js';

const Secret = (description: string) => Type.String({ minLength: 1, maxLength: 2000, description: `${description} Write-only: never returned.` });

const fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  organizationId: Type.String({ minLength: 1, maxLength: 200, description: 'The Credly organisation id.' }),
  authorizationToken: Secret('A Credly organisation authorization token.'),
  tokenIssuedAt: Type.String({ format: 'date-time', description: 'When Credly issued the authorization token (it expires 180 days later). Defaults to now.' }),
  oauth: Type.Object(
    { clientId: Type.String({ minLength: 1, maxLength: 2000 }), clientSecret: Secret('The OAuth client secret.') },
    { additionalProperties: false, description: 'A Credly OAuth2 client (client credentials grant), instead of an authorization token.' },
  ),
  environment: StringEnum(['production', 'sandbox'] as const),
  apiBaseUrl: { ...HttpUrl, description: "Overrides the environment's or region's API base URL." } as typeof HttpUrl,
  oauthTokenUrl: { ...HttpUrl, description: "Overrides the environment's OAuth token endpoint." } as typeof HttpUrl,
  apiKey: Secret('An Accredible API key.'),
  region: StringEnum(['us', 'eu', 'sandbox'] as const),
  revokeMode: StringEnum(['expire', 'delete'] as const, { description: 'How a revocation reaches Accredible: expire the credential now (default) or delete it.' }),
};

const CredlyCreate = Type.Object(
  {
    provider: Type.Literal('credly'),
    name: fields.name,
    organizationId: fields.organizationId,
    authorizationToken: Type.Optional(fields.authorizationToken),
    tokenIssuedAt: Type.Optional(fields.tokenIssuedAt),
    oauth: Type.Optional(fields.oauth),
    environment: fields.environment,
    apiBaseUrl: Type.Optional(fields.apiBaseUrl),
    oauthTokenUrl: Type.Optional(fields.oauthTokenUrl),
  },
  { additionalProperties: false },
);

const AccredibleCreate = Type.Object(
  {
    provider: Type.Literal('accredible'),
    name: fields.name,
    apiKey: fields.apiKey,
    region: fields.region,
    apiBaseUrl: Type.Optional(fields.apiBaseUrl),
    revokeMode: Type.Optional(fields.revokeMode),
  },
  { additionalProperties: false },
);

/**
 * One of several object shapes chosen by a tag property. Written as `if`/`then` rather than
 * `anyOf` so a wrong body gets the errors of the shape its tag names, not of every shape.
 */
function Tagged<V extends TObject[]>(tag: string, tags: readonly string[], variants: [...V]) {
  return Type.Unsafe<Static<V[number]>>({
    type: 'object',
    required: [tag],
    properties: { [tag]: { type: 'string', enum: [...tags] } },
    allOf: variants.map((variant, i) => ({ if: { properties: { [tag]: { const: tags[i] } } }, then: variant as TSchema })),
  });
}

export const CreateConnectionBody = Tagged('provider', ['credly', 'accredible'], [CredlyCreate, AccredibleCreate]);

export const RotateTokenBody = Type.Object(
  { authorizationToken: fields.authorizationToken, tokenIssuedAt: Type.Optional(fields.tokenIssuedAt) },
  { additionalProperties: false },
);

export const UpdateConnectionBody = Type.Object(
  {
    name: Type.Optional(fields.name),
    organizationId: Type.Optional(fields.organizationId),
    authorizationToken: Type.Optional(fields.authorizationToken),
    tokenIssuedAt: Type.Optional(fields.tokenIssuedAt),
    oauth: Type.Optional(fields.oauth),
    environment: Type.Optional(fields.environment),
    apiBaseUrl: Type.Optional(Nullable(fields.apiBaseUrl)),
    oauthTokenUrl: Type.Optional(Nullable(fields.oauthTokenUrl)),
    apiKey: Type.Optional(fields.apiKey),
    region: Type.Optional(fields.region),
    revokeMode: Type.Optional(fields.revokeMode),
  },
  { additionalProperties: false },
);

const Url = Nullable(Type.String());

export const ConnectionSchema = Type.Object(
  {
    id: Type.String(),
    provider: StringEnum(['credly', 'accredible'] as const),
    name: Type.String(),
    settings: Type.Object(
      {
        organizationId: Type.Optional(Type.String()),
        environment: Type.Optional(Type.String()),
        authentication: Type.Optional(StringEnum(['authorization-token', 'oauth'] as const, { description: 'Credly: which kind of credential is stored.' })),
        oauthTokenUrl: Type.Optional(Url),
        tokenIssuedAt: Type.Optional(Nullable(Type.String())),
        region: Type.Optional(Type.String()),
        revokeMode: Type.Optional(Type.String()),
        apiBaseUrl: Url,
      },
      { description: 'The non-secret settings: Credly `organizationId`, `environment`, `authentication`, `oauthTokenUrl`; Accredible `region`, `revokeMode`.' },
    ),
    accountName: Nullable(Type.String({ description: 'The organisation (Credly) or issuer (Accredible) the last successful test found.' })),
    lastTestedAt: NullableTimestamp,
    lastSyncedAt: NullableTimestamp,
    token: Nullable(
      Type.Object(
        { issuedAt: Timestamp, expiresAt: Timestamp, daysLeft: Type.Integer() },
        { description: 'Credly authorization tokens: when the token stops working (180 days after issue).' },
      ),
    ),
    warnings: Type.Array(Type.String(), { description: 'What needs an administrator, e.g. a token that expires within 30 days.' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Connection' },
);
