/**
 * What a baked image carries. `ob3` is an OpenBadgeCredential (signed JSON or a VC-JWT), `ob2`
 * an OB 2.0 assertion (JSON, a signed-badge JWS, or — in legacy images — the hosted URL).
 */
export type BadgeFormat = 'ob3' | 'ob2';

export interface BakedPayload {
  format: BadgeFormat;
  text: string;
}

export class BakingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BakingError';
  }
}

/** A compact JWS: three base64url segments. */
export function isCompactJws(text: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(text.trim());
}
