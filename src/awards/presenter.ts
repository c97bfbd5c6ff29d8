import { Type } from 'typebox';
import { NullableTimestamp, StringEnum, Timestamp } from '../http/schemas.js';
import type { ImageType } from '../catalog/images/image-content.js';
import { awardUrls, bakedImageUrl } from './documents.js';
import type { DeliveryState } from '../db/schema.js';
import type { AwardProviderStatus } from './ports.js';
import { effectiveStatus } from './service.js';
import type { AwardRecord } from './store.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const AwardSchema = Type.Object(
  {
    id: Type.String(),
    status: StringEnum(['awarded', 'revoked', 'expired'] as const),
    badgeClassId: Type.String(),
    badgeClassVersion: Type.Integer(),
    issuerId: Type.String(),
    recipient: Type.Object({
      email: Type.String(),
      name: Nullable(Type.String()),
      did: Nullable(Type.String()),
      externalId: Nullable(Type.String()),
    }),
    evidence: Type.Array(Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()), description: Type.Optional(Type.String()), narrative: Type.Optional(Type.String()) })),
    narrative: Nullable(Type.String()),
    issuedOn: Timestamp,
    expiresOn: NullableTimestamp,
    revokedAt: NullableTimestamp,
    revocationReason: Nullable(Type.String()),
    notifiedAt: Type.Union([Timestamp, Type.Null()], { description: 'When the recipient was e-mailed about the award (`notify`); null while no e-mail went out.' }),
    createdAt: Timestamp,
    links: Type.Union(
      [
        Type.Object({
          credential: Type.String({ description: 'OB 3.0 credential (Data Integrity proof), public' }),
          credentialJwt: Type.String({ description: 'OB 3.0 credential as VC-JWT, public' }),
          assertion: Type.String({ description: 'OB 2.0 hosted assertion, public' }),
          image: Type.String({ description: "The badge image with the OB 3.0 credential baked in (PNG or SVG, as the badge class's image; `?format=ob2` bakes the OB 2.0 assertion), public" }),
        }),
        Type.Null(),
      ],
      { description: "The award's public credential forms; null when a provider alone delivers it (no credential of Laurel's)." },
    ),
    provider: Type.Union(
      [
        Type.Object({
          connectionId: Type.String(),
          templateId: Type.String(),
          externalId: Nullable(Type.String({ description: "The provider's badge or credential id, once it has one." })),
          state: StringEnum<DeliveryState>(['queued', 'created', 'pending', 'accepted', 'rejected', 'revoked', 'expired', 'error'], {
            description: '`queued`: not at the provider yet (retrying if `error` is set); `error`: Laurel gave up, see `error` and retry.',
          }),
          providerState: Nullable(Type.String({ description: "The provider's own word for the state." })),
          url: Nullable(Type.String()),
          error: Nullable(Type.String({ description: 'The last failure, until an attempt succeeds.' })),
          attempts: Type.Integer(),
          createdAt: Timestamp,
          updatedAt: Timestamp,
        }),
        Type.Null(),
      ],
      { description: 'Delivery to Credly or Accredible for provider-backed badge classes; null otherwise.' },
    ),
  },
  { $id: 'Award' },
);

/** An award as the API shows it: effective status (expiry applied) and links to its public forms. */
export function presentAward(award: AwardRecord, publicUrl: string, now: Date, imageType: ImageType, provider: AwardProviderStatus | undefined) {
  const urls = awardUrls(publicUrl, award.id);
  return {
    id: award.id,
    status: effectiveStatus(award, now),
    badgeClassId: award.badgeClassId,
    badgeClassVersion: award.badgeClassVersion,
    issuerId: award.issuerId,
    recipient: award.recipient,
    evidence: award.evidence,
    narrative: award.narrative,
    issuedOn: award.issuedOn,
    expiresOn: award.expiresOn,
    revokedAt: award.revokedAt,
    revocationReason: award.revocationReason,
    notifiedAt: award.notifiedAt,
    createdAt: award.createdAt,
    links: award.credential ? { credential: urls.credential, credentialJwt: urls.credentialJwt, assertion: urls.assertion, image: bakedImageUrl(urls, imageType) } : null,
    provider: provider
      ? {
          connectionId: provider.connectionId,
          templateId: provider.templateId,
          externalId: provider.externalId,
          state: provider.state,
          providerState: provider.providerState,
          url: provider.url,
          error: provider.error,
          attempts: provider.attempts,
          createdAt: provider.createdAt,
          updatedAt: provider.updatedAt,
        }
      : null,
  };
}
