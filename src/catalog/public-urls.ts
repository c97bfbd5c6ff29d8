/**
 * Where Laurel publishes its documents, under the deployment's public URL. Credentials embed these
 * URLs and verifiers fetch them, so the scheme is stable: change it and old badges stop resolving.
 * Awards use the same scheme (`/awards/{id}…`, `/status-lists/{id}`), documented in docs/api.md.
 */
export interface PublicUrls {
  image(imageId: string): string;
  /** The OB 2.0 issuer Profile. */
  issuer(issuerId: string): string;
  didDocument(issuerId: string): string;
  /** The OB 2.0 BadgeClass of one version; also the OB 3.0 Achievement id of credentials issued with it. */
  badgeClassVersion(badgeClassId: string, version: number): string;
  criteria(badgeClassId: string, version: number): string;
}

export function publicUrls(publicUrl: string): PublicUrls {
  const base = publicUrl.replace(/\/+$/, '');
  const segment = encodeURIComponent;
  return {
    image: (imageId) => `${base}/images/${segment(imageId)}`,
    issuer: (issuerId) => `${base}/issuers/${segment(issuerId)}`,
    didDocument: (issuerId) => `${base}/issuers/${segment(issuerId)}/did.json`,
    badgeClassVersion: (badgeClassId, version) => `${base}/badge-classes/${segment(badgeClassId)}/versions/${version}`,
    criteria: (badgeClassId, version) => `${base}/badge-classes/${segment(badgeClassId)}/versions/${version}/criteria`,
  };
}
