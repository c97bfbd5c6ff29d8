/**
 * Pure translation between Laurel's DTOs and Credly's wire format: the issue payload, time and
 * locale formats, states, and the text of Credly's error envelope.
 */
import type { IssueRequest, ProviderBadge, ProviderBadgeState, ProviderTemplate, ProviderTemplateState } from '../adapter.js';
import { idAt, isObject, stringOrNull, type JsonObject } from '../wire.js';

/** The locales Credly accepts for `locale`. */
export const credlyLocales = ['en', 'fr', 'de', 'ko', 'ja', 'zh-CN', 'pt', 'es-ES', 'es-US', 'fr-CA', 'pt-BR'] as const;

/** Credly's documented time format, `2014-04-01 09:41:00 -0500`; Laurel always sends UTC. */
export function formatCredlyTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} +0000`;
}

/** Exact match first (`pt-BR`), then the bare language (`en-GB` → `en`); otherwise none. */
export function toCredlyLocale(tag: string | undefined): string | undefined {
  if (!tag) return undefined;
  const exact = credlyLocales.find((locale) => locale.toLowerCase() === tag.toLowerCase());
  if (exact) return exact;
  const language = tag.split('-')[0]?.toLowerCase();
  return credlyLocales.find((locale) => locale === language);
}

export function toCredlyIssuePayload(request: IssueRequest): JsonObject {
  const payload: JsonObject = {
    badge_template_id: request.templateExternalId,
    recipient_email: request.recipient.email,
    issued_to_first_name: request.recipient.firstName,
    issued_to_last_name: request.recipient.lastName,
    issued_at: formatCredlyTime(request.issuedAt),
    issuer_earner_id: request.awardId,
  };
  if (request.recipient.middleName) payload.issued_to_middle_name = request.recipient.middleName;
  // Credly reads null as "the template's default" and false as "never expires".
  if (request.expiresAt === null) payload.expires_at = false;
  else if (request.expiresAt) payload.expires_at = formatCredlyTime(request.expiresAt);
  const locale = toCredlyLocale(request.locale);
  if (locale) payload.locale = locale;
  return payload;
}

/** Credly answers with ISO 8601 or its own `YYYY-MM-DD HH:MM:SS ±HHMM`; both become a Date. */
export function parseCredlyTime(value: unknown): Date | null {
  if (typeof value !== 'string' || value === '') return null;
  const credly = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})$/.exec(value);
  const iso = credly ? `${credly[1]}T${credly[2]}${credly[3]}:${credly[4]}` : value;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? null : new Date(time);
}

const badgeStates: Record<string, ProviderBadgeState> = {
  pending: 'pending',
  accepted: 'accepted',
  rejected: 'rejected',
  revoked: 'revoked',
  expired: 'expired',
  // A replaced badge no longer stands for the award.
  replaced: 'revoked',
};

export function toBadgeState(credlyState: string, expiresAt: Date | null, now: Date): ProviderBadgeState {
  const state = badgeStates[credlyState] ?? 'pending';
  const lapsed = expiresAt !== null && expiresAt.getTime() <= now.getTime();
  return lapsed && (state === 'pending' || state === 'accepted') ? 'expired' : state;
}

/**
 * True when the badge is what issuing this request created: the award id names the award, and the
 * award's time (to the second Credly keeps) tells this issue from one of an earlier award of it.
 */
export function isBadgeOf(badge: CredlyBadgeSnapshot, request: IssueRequest): boolean {
  return badge.issuerEarnerId === request.awardId && badge.issuedAt !== null && Math.floor(badge.issuedAt.getTime() / 1000) === Math.floor(request.issuedAt.getTime() / 1000);
}

export interface CredlyBadgeSnapshot extends ProviderBadge {
  templateExternalId: string | null;
  issuerEarnerId: string | null;
  issuedAt: Date | null;
  recipientEmail: string | null;
}

export function toProviderBadge(badge: JsonObject, now: Date): CredlyBadgeSnapshot {
  const providerState = typeof badge.state === 'string' ? badge.state : 'unknown';
  const template = isObject(badge.badge_template) ? badge.badge_template : undefined;
  return {
    externalId: idAt('credly', badge),
    state: toBadgeState(providerState, parseCredlyTime(badge.expires_at), now),
    providerState,
    url: stringOrNull(badge.badge_url),
    templateExternalId: stringOrNull(badge.badge_template_id) ?? (template ? stringOrNull(template.id) : null),
    issuerEarnerId: stringOrNull(badge.issuer_earner_id),
    issuedAt: parseCredlyTime(badge.issued_at),
    recipientEmail: stringOrNull(badge.recipient_email),
  };
}

const templateStates: Record<string, ProviderTemplateState> = { active: 'active', archived: 'archived', draft: 'draft' };

export function toProviderTemplate(template: JsonObject): ProviderTemplate {
  return {
    externalId: idAt('credly', template),
    name: stringOrNull(template.name) ?? '',
    description: stringOrNull(template.description),
    imageUrl: stringOrNull(template.image_url),
    // Anything Credly adds later cannot be assumed to issue.
    state: templateStates[String(template.state)] ?? 'archived',
  };
}

/**
 * Credly errors come as `{data: {message, errors?}}`; validation errors list the attributes.
 * Only these fields are read, never the whole body.
 */
export function credlyErrorMessage(body: unknown): string | undefined {
  const data = isObject(body) && isObject(body.data) ? body.data : body;
  if (!isObject(data)) return undefined;
  const message = typeof data.message === 'string' ? data.message : undefined;
  const details = Array.isArray(data.errors) ? data.errors.map(describeFieldError).filter((text) => text !== '') : [];
  if (details.length === 0) return message;
  return message ? `${message}: ${details.join('; ')}` : details.join('; ');
}

function describeFieldError(error: unknown): string {
  if (typeof error === 'string') return error;
  if (!isObject(error)) return '';
  const field = typeof error.attribute === 'string' ? error.attribute : '';
  const messages = Array.isArray(error.messages) ? error.messages.filter((m) => typeof m === 'string') : [];
  const text = messages.length > 0 ? messages.join(', ') : typeof error.message === 'string' ? error.message : '';
  return [field, text].filter((part) => part !== '').join(' ');
}
