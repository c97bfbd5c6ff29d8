/** The fake Credly's records as Credly's API presents them, and its envelopes. */
import type { FakeRequest } from '../http/fake-server.js';
import type { FakeCredlyBadge, FakeCredlyEvent, FakeCredlyOrganization, FakeCredlyState, FakeCredlyTemplate } from './state.js';

export function organizationJson(organization: FakeCredlyOrganization): Record<string, unknown> {
  return { id: organization.id, name: organization.name, type: 'Organization', webhook_url: null };
}

export function templateJson(template: FakeCredlyTemplate): Record<string, unknown> {
  return {
    id: template.id,
    name: template.name,
    description: template.description,
    image_url: template.imageUrl,
    state: template.state,
    public: true,
    url: `https://www.credly.test/org/x/badge/${template.id}`,
    vanity_slug: template.name.toLowerCase().replace(/\W+/g, '-'),
    skills: [],
    allow_duplicate_badges: template.allowDuplicateBadges,
    default_expires_at: null,
    owner: { type: 'Organization', id: template.organizationId },
  };
}

export function badgeJson(badge: FakeCredlyBadge, state: FakeCredlyState): Record<string, unknown> {
  const template = state.templates.get(badge.templateId);
  return {
    id: badge.id,
    state: badge.state,
    recipient_email: badge.recipientEmail,
    issued_to_first_name: badge.firstName,
    issued_to_middle_name: badge.middleName,
    issued_to_last_name: badge.lastName,
    issued_at: badge.issuedAt,
    expires_at: badge.expiresAt,
    issuer_earner_id: badge.issuerEarnerId,
    locale: badge.locale,
    badge_url: `https://www.credly.test/badges/${badge.id}`,
    badge_template: template ? templateJson(template) : { id: badge.templateId },
    created_at: badge.createdAt,
  };
}

export function eventJson(event: FakeCredlyEvent, state: FakeCredlyState): Record<string, unknown> {
  const json: Record<string, unknown> = { id: event.id, organization_id: event.organizationId, event_type: event.eventType, occurred_at: event.occurredAt };
  const badge = event.badgeId ? state.badges.get(event.badgeId) : undefined;
  if (badge) json.badge = badgeJson(badge, state);
  const template = event.templateId ? state.templates.get(event.templateId) : undefined;
  if (template) json.badge_template = templateJson(template);
  return json;
}

/** Credly's list envelope: `data` plus `metadata` with absolute page links. */
export function listPage(request: FakeRequest, items: Record<string, unknown>[], pageSize: number): Record<string, unknown> {
  const requested = Number(request.query.get('page') ?? '1');
  const page = Number.isInteger(requested) && requested > 0 ? requested : 1;
  const totalPages = Math.max(1, Math.ceil(items.length / pageSize));
  const linkTo = (target: number): string | null => {
    if (target < 1 || target > totalPages) return null;
    const url = new URL(request.url);
    url.searchParams.set('page', String(target));
    return url.toString();
  };
  return {
    data: items.slice((page - 1) * pageSize, page * pageSize),
    metadata: {
      count: Math.min(pageSize, Math.max(0, items.length - (page - 1) * pageSize)),
      current_page: page,
      total_count: items.length,
      total_pages: totalPages,
      per: pageSize,
      previous_page_url: linkTo(page - 1),
      next_page_url: linkTo(page + 1),
    },
  };
}

export function credlyError(status: number, message: string, errors?: { attribute: string; messages: string[] }[]): { status: number; body: unknown } {
  return { status, body: { data: { message, ...(errors ? { errors } : {}) }, metadata: {} } };
}

/** `filter=k::v|k::v` as Credly spells it. */
export function parseFilter(value: string | null): Map<string, string> {
  const filter = new Map<string, string>();
  for (const part of (value ?? '').split('|')) {
    const at = part.indexOf('::');
    if (at > 0) filter.set(part.slice(0, at), part.slice(at + 2));
  }
  return filter;
}
