/**
 * Pure translation between Laurel's DTOs and Accredible's wire format: the credential payload,
 * dates, states, groups and the text of Accredible's error answers.
 */
import type { IssueRequest, ProviderBadge, ProviderBadgeState, ProviderTemplate } from '../adapter.js';
import { idAt, isObject, stringOrNull, type JsonObject } from '../wire.js';

/**
 * Written into the credential's `meta_data`, so a retry can recognise what an earlier try created:
 * the award id plus the award's time name one issue (a re-award after a revocation has a new time).
 */
export const awardIdKey = 'laurel_award_id';
export const issuedAtKey = 'laurel_issued_at';

/** `issued_on` / `expired_on` dates as Accredible documents them: `YYYY-MM-DD`, in UTC. */
export function formatAccredibleDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** An instant for expiring a credential now: ISO 8601 in UTC with an explicit `Z`. */
export function formatAccredibleTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export function toAccredibleCredentialPayload(request: IssueRequest): JsonObject {
  const { recipient } = request;
  const credential: JsonObject = {
    recipient: { name: [recipient.firstName, recipient.middleName, recipient.lastName].filter(Boolean).join(' '), email: recipient.email },
    group_id: toGroupId(request.templateExternalId),
    issued_on: formatAccredibleDate(request.issuedAt),
    complete: true,
    // Published: the recipient is notified and the credential is public (subject to credits).
    approve: true,
    meta_data: { [awardIdKey]: request.awardId, [issuedAtKey]: request.issuedAt.toISOString() },
  };
  if (request.expiresAt === null) credential.expired_on = null;
  else if (request.expiresAt) credential.expired_on = formatAccredibleDate(request.expiresAt);
  return { credential };
}

/** Group ids are numbers on the wire; Laurel keeps every external id as a string. */
function toGroupId(externalId: string): number | string {
  return /^\d+$/.test(externalId) ? Number(externalId) : externalId;
}

export function isCredentialOf(credential: JsonObject, request: IssueRequest): boolean {
  const meta = isObject(credential.meta_data) ? credential.meta_data : {};
  return meta[awardIdKey] === request.awardId && meta[issuedAtKey] === request.issuedAt.toISOString();
}

export function toBadgeState(credential: JsonObject, now: Date): ProviderBadgeState {
  const expiredOn = typeof credential.expired_on === 'string' ? Date.parse(credential.expired_on) : Number.NaN;
  if (!Number.isNaN(expiredOn) && expiredOn <= now.getTime()) return 'expired';
  // Unpublished means Accredible holds it back (a draft, or the account ran out of credits).
  return credential.approve === true ? 'accepted' : 'created';
}

export function toProviderBadge(credential: JsonObject, now: Date): ProviderBadge {
  const state = toBadgeState(credential, now);
  return {
    externalId: idAt('accredible', credential),
    state,
    providerState: state === 'expired' ? 'expired' : credential.approve === true ? 'published' : 'unpublished',
    url: stringOrNull(credential.url),
  };
}

/** What a deleted credential (revoked by deletion) looks like to Laurel. */
export function deletedBadge(externalId: string): ProviderBadge {
  return { externalId, state: 'revoked', providerState: 'deleted', url: null };
}

/** Groups have no archive state on Accredible: a group is listed while it exists. */
export function toProviderTemplate(group: JsonObject, imageUrl: string | null): ProviderTemplate {
  return {
    externalId: idAt('accredible', group),
    name: stringOrNull(group.course_name) ?? stringOrNull(group.name) ?? '',
    description: stringOrNull(group.course_description),
    imageUrl,
    state: 'active',
  };
}

/**
 * Accredible answers errors as `{errors: …}` (a string, a list, or field → messages) or
 * `{error|message: "…"}`. Only these fields are read, never the whole body.
 */
export function accredibleErrorMessage(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const { errors } = body;
  if (typeof errors === 'string') return errors;
  if (Array.isArray(errors)) return errors.filter((e) => typeof e === 'string').join('; ') || undefined;
  if (isObject(errors)) {
    const parts = Object.entries(errors).map(([field, messages]) => `${field} ${Array.isArray(messages) ? messages.filter((m) => typeof m === 'string').join(', ') : String(messages)}`);
    return parts.join('; ') || undefined;
  }
  if (typeof body.error === 'string') return body.error;
  return typeof body.message === 'string' ? body.message : undefined;
}
