/**
 * The one shape every external badge provider (Credly, Accredible) takes inside Laurel. Jobs call
 * these methods; every failure is one of the classes in `errors.ts`, so a job handler can let it
 * propagate and the worker retries or fails the job correctly.
 */

export type ProviderName = 'credly' | 'accredible';

/** Laurel's view of a provider badge, whatever the provider calls it. */
export type ProviderBadgeState = 'created' | 'pending' | 'accepted' | 'rejected' | 'revoked' | 'expired';

/** A template is `active` only if it can issue. */
export type ProviderTemplateState = 'active' | 'archived' | 'draft';

export interface ProviderAccount {
  /** The organisation (Credly) or issuer (Accredible) id the credentials belong to. */
  id: string;
  name: string;
}

/** A Credly badge template or an Accredible group. */
export interface ProviderTemplate {
  externalId: string;
  name: string;
  description: string | null;
  imageUrl: string | null;
  state: ProviderTemplateState;
}

export interface ProviderRecipient {
  email: string;
  firstName: string;
  lastName: string;
  middleName?: string;
}

export interface IssueRequest {
  /** Laurel's award id: sent to the provider so a retry can find what an earlier try created. */
  awardId: string;
  templateExternalId: string;
  recipient: ProviderRecipient;
  /** The award's own time, not the time the job happens to run. */
  issuedAt: Date;
  /** A date sets the expiry, `null` says "never expires", absent leaves the template's default. */
  expiresAt?: Date | null;
  /** BCP 47 tag; sent when the provider supports it (Credly), matched by language if needed. */
  locale?: string;
}

export interface ProviderBadge {
  externalId: string;
  state: ProviderBadgeState;
  /** The provider's own word for the state, kept for display and diagnosis. */
  providerState: string;
  /** Where the recipient sees the badge, when the provider says. */
  url: string | null;
}

export interface ProviderAdapter {
  readonly provider: ProviderName;
  /** Checks the credentials; answers with the account they open. */
  testConnection(): Promise<ProviderAccount>;
  /** Every template, page after page; stopping early stops fetching. */
  listTemplates(): AsyncIterable<ProviderTemplate>;
  issue(request: IssueRequest): Promise<ProviderBadge>;
  /**
   * The badge an earlier `issue` of this award created, or null. Call it before retrying an issue
   * whose outcome is unknown (timeout, lost connection) so the award never reaches the provider twice.
   */
  findExisting(request: IssueRequest): Promise<ProviderBadge | null>;
  /** Revokes; revoking a badge that is already revoked succeeds. */
  revoke(externalId: string, reason: string): Promise<ProviderBadge>;
  getBadgeState(externalId: string): Promise<ProviderBadge>;
}
