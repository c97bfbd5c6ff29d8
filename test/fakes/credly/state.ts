/**
 * What the fake Credly knows: organisations with their authorization tokens and OAuth clients,
 * badge templates, issued badges and the event log. Tests arrange and inspect it directly; every
 * change Credly would announce is recorded as an event and handed to `onEvent` (the webhooks).
 */
import { randomUUID } from 'node:crypto';

export type TemplateState = 'active' | 'archived' | 'draft';
export type BadgeState = 'pending' | 'accepted' | 'rejected' | 'revoked';

export interface FakeCredlyOrganization {
  id: string;
  name: string;
  /** `write: false` makes a read-only token, refused (403) on writes. */
  authorizationTokens: { token: string; write: boolean }[];
  oauthClients: { clientId: string; clientSecret: string }[];
}

export interface FakeCredlyTemplate {
  id: string;
  organizationId: string;
  name: string;
  description: string;
  imageUrl: string;
  state: TemplateState;
  /** Deleted templates vanish from lists and answer 404; the record stays for inspection. */
  deleted: boolean;
  allowDuplicateBadges: boolean;
}

export interface FakeCredlyBadge {
  id: string;
  organizationId: string;
  templateId: string;
  recipientEmail: string;
  firstName: string;
  middleName: string | null;
  lastName: string;
  issuedAt: string;
  /** ISO time, or null for "never" (Laurel sends false) and for the template default. */
  expiresAt: string | null;
  issuerEarnerId: string | null;
  locale: string | null;
  state: BadgeState;
  revokeReason: string | null;
  createdAt: string;
}

export interface FakeCredlyEvent {
  id: string;
  organizationId: string;
  eventType: string;
  occurredAt: string;
  badgeId?: string;
  templateId?: string;
}

export class FakeCredlyState {
  readonly organizations = new Map<string, FakeCredlyOrganization>();
  readonly templates = new Map<string, FakeCredlyTemplate>();
  readonly badges = new Map<string, FakeCredlyBadge>();
  readonly events = new Map<string, FakeCredlyEvent>();
  /** Bearer tokens handed out by the OAuth endpoint. */
  readonly accessTokens = new Map<string, { organizationId: string; expiresAt: number }>();
  onEvent: (event: FakeCredlyEvent) => void = () => {};

  addOrganization(input: Partial<FakeCredlyOrganization> & { name: string }): FakeCredlyOrganization {
    const organization: FakeCredlyOrganization = { id: randomUUID(), authorizationTokens: [], oauthClients: [], ...input };
    this.organizations.set(organization.id, organization);
    return organization;
  }

  addTemplate(input: Partial<FakeCredlyTemplate> & { organizationId: string; name: string }): FakeCredlyTemplate {
    const id = input.id ?? randomUUID();
    const template: FakeCredlyTemplate = {
      id,
      description: `${input.name} description`,
      imageUrl: `https://images.credly.test/${id}.png`,
      state: 'active',
      deleted: false,
      allowDuplicateBadges: false,
      ...input,
    };
    this.templates.set(id, template);
    this.recordEvent(template.organizationId, 'badge_template.created', { templateId: id });
    return template;
  }

  changeTemplateState(id: string, state: TemplateState): void {
    const template = this.#template(id);
    template.state = state;
    this.recordEvent(template.organizationId, 'badge_template.changed', { templateId: id });
  }

  deleteTemplate(id: string): void {
    const template = this.#template(id);
    template.deleted = true;
    this.recordEvent(template.organizationId, 'badge_template.deleted', { templateId: id });
  }

  /** What the recipient does on Credly (accept, reject), or what an admin does there (revoke). */
  changeBadgeState(id: string, state: BadgeState): FakeCredlyEvent {
    const badge = this.badges.get(id);
    if (!badge) throw new Error(`no badge ${id}`);
    badge.state = state;
    return this.recordEvent(badge.organizationId, 'badge.state.changed', { badgeId: id });
  }

  badgesOf(organizationId: string): FakeCredlyBadge[] {
    return [...this.badges.values()].filter((badge) => badge.organizationId === organizationId);
  }

  recordEvent(organizationId: string, eventType: string, subject: { badgeId?: string; templateId?: string }): FakeCredlyEvent {
    const event: FakeCredlyEvent = { id: randomUUID(), organizationId, eventType, occurredAt: new Date().toISOString(), ...subject };
    this.events.set(event.id, event);
    this.onEvent(event);
    return event;
  }

  #template(id: string): FakeCredlyTemplate {
    const template = this.templates.get(id);
    if (!template) throw new Error(`no template ${id}`);
    return template;
  }
}
