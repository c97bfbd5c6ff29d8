/**
 * Credly Web Service API v1 behind Laurel's ProviderAdapter, plus the webhook event fetch that
 * makes a Credly notification trustworthy (the POST itself is unsigned; the event is believed only
 * when Credly serves it to our own credentials).
 */
import { PermanentJobError } from '../../jobs/errors.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import type { IssueRequest, ProviderAccount, ProviderAdapter, ProviderTemplate } from '../adapter.js';
import { ProviderCredentialsError, ProviderRejectedError } from '../errors.js';
import { sendProviderRequest, type HttpMethod } from '../http.js';
import { idAt, isObject, objectAt, objectsAt, stringOrNull, unexpectedAnswer, type JsonObject } from '../wire.js';
import { CredlyAuthorizer } from './auth.js';
import { credlyApiBaseUrls, credlyOAuthTokenUrls, credlySecrets, defaultCredlyTimeoutMs, type CredlyConnectionSettings } from './config.js';
import {
  credlyErrorMessage,
  isBadgeOf,
  parseCredlyTime,
  toCredlyIssuePayload,
  toProviderBadge,
  toProviderTemplate,
  type CredlyBadgeSnapshot,
} from './mapping.js';

/** A verified Credly event: what the notification pointed at, as Credly itself serves it. */
export interface CredlyWebhookEvent {
  id: string;
  eventType: string;
  occurredAt: Date | null;
  badge: CredlyBadgeSnapshot | null;
  template: ProviderTemplate | null;
}

/** Bounds a pagination loop even if a provider keeps answering with a next page. */
const maxPages = 10_000;

export class CredlyAdapter implements ProviderAdapter {
  readonly provider = 'credly' as const;
  readonly #settings: CredlyConnectionSettings;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #secrets: string[];
  readonly #organizationUrl: string;
  readonly #authorizer: CredlyAuthorizer;

  constructor(settings: CredlyConnectionSettings, options: { clock?: Clock } = {}) {
    this.#settings = settings;
    this.#clock = options.clock ?? systemClock;
    this.#timeoutMs = settings.timeoutMs ?? defaultCredlyTimeoutMs;
    this.#secrets = credlySecrets(settings.credentials);
    const apiBase = (settings.apiBaseUrl ?? credlyApiBaseUrls[settings.environment]).replace(/\/+$/, '');
    this.#organizationUrl = `${apiBase}/organizations/${encodeURIComponent(settings.organizationId)}`;
    this.#authorizer = new CredlyAuthorizer({
      credentials: settings.credentials,
      oauthTokenUrl: new URL(settings.oauthTokenUrl ?? credlyOAuthTokenUrls[settings.environment]),
      timeoutMs: this.#timeoutMs,
      clock: this.#clock,
      secrets: this.#secrets,
    });
  }

  async testConnection(): Promise<ProviderAccount> {
    const organization = objectAt('credly', await this.#call('GET', this.#url('')), 'data');
    return { id: idAt('credly', organization), name: stringOrNull(organization.name) ?? '' };
  }

  async *listTemplates(): AsyncIterable<ProviderTemplate> {
    for await (const template of this.#pages(this.#url('/badge_templates'))) yield toProviderTemplate(template);
  }

  async issue(request: IssueRequest): Promise<CredlyBadgeSnapshot> {
    const body = await this.#call('POST', this.#url('/badges'), toCredlyIssuePayload(request));
    return toProviderBadge(objectAt('credly', body, 'data'), this.#clock.now());
  }

  /**
   * Lists the recipient's badges of the template (filters Credly documents) and keeps the one
   * this issue created: this award's id as `issuer_earner_id` and the award's time as `issued_at`.
   */
  async findExisting(request: IssueRequest): Promise<CredlyBadgeSnapshot | null> {
    const url = this.#url('/badges');
    url.searchParams.set('filter', `recipient_email::${request.recipient.email}|badge_template_id::${request.templateExternalId}`);
    const now = this.#clock.now();
    for await (const item of this.#pages(url)) {
      const badge = toProviderBadge(item, now);
      if (isBadgeOf(badge, request)) return badge;
    }
    return null;
  }

  async revoke(externalId: string, reason: string): Promise<CredlyBadgeSnapshot> {
    try {
      const body = await this.#call('PUT', this.#url(`/badges/${encodeURIComponent(externalId)}/revoke`), {
        reason,
        suppress_revoke_notification_email: false,
      });
      return toProviderBadge(objectAt('credly', body, 'data'), this.#clock.now());
    } catch (error) {
      // A retried revoke whose first answer was lost finds the badge already revoked: that is success.
      if (!(error instanceof ProviderRejectedError) || error.status === 404) throw error;
      const current = await this.getBadgeState(externalId);
      if (current.state === 'revoked') return current;
      throw error;
    }
  }

  async getBadgeState(externalId: string): Promise<CredlyBadgeSnapshot> {
    const body = await this.#call('GET', this.#url(`/badges/${encodeURIComponent(externalId)}`));
    return toProviderBadge(objectAt('credly', body, 'data'), this.#clock.now());
  }

  /** Fetches the event a webhook notification named, with this connection's credentials. */
  async fetchWebhookEvent(eventId: string): Promise<CredlyWebhookEvent> {
    const event = objectAt('credly', await this.#call('GET', this.#url(`/events/${encodeURIComponent(eventId)}`)), 'data');
    const organizationId = stringOrNull(event.organization_id);
    if (organizationId !== null && organizationId !== this.#settings.organizationId) {
      throw new PermanentJobError(`Credly event ${eventId} belongs to another organisation`);
    }
    const eventType = stringOrNull(event.event_type);
    if (eventType === null) throw unexpectedAnswer('credly', 'event without event_type');
    return {
      id: idAt('credly', event),
      eventType,
      occurredAt: parseCredlyTime(event.occurred_at),
      badge: isObject(event.badge) ? toProviderBadge(event.badge, this.#clock.now()) : null,
      template: isObject(event.badge_template) ? toProviderTemplate(event.badge_template) : null,
    };
  }

  #url(path: string): URL {
    return new URL(`${this.#organizationUrl}${path}`);
  }

  /** Every item of a list, following `metadata.next_page_url` (only ever on Credly's own origin). */
  async *#pages(first: URL): AsyncGenerator<JsonObject> {
    let url: URL | undefined = first;
    for (let page = 0; url && page < maxPages; page++) {
      const body = await this.#call('GET', url);
      yield* objectsAt('credly', body, 'data');
      const next = isObject(body) && isObject(body.metadata) ? stringOrNull(body.metadata.next_page_url) : null;
      url = next === null ? undefined : this.#sameOrigin(new URL(next, url));
    }
  }

  /** Credentials go with every request, so a next page elsewhere must never be followed. */
  #sameOrigin(url: URL): URL {
    if (url.origin !== new URL(this.#organizationUrl).origin) throw unexpectedAnswer('credly', `next_page_url on another host (${url.host})`);
    return url;
  }

  async #call(method: HttpMethod, url: URL, json?: unknown): Promise<unknown> {
    try {
      return await this.#send(method, url, json);
    } catch (error) {
      // An OAuth token can be revoked or expire early: one fresh token, one more try.
      if (!(error instanceof ProviderCredentialsError) || error.status !== 401 || !this.#authorizer.invalidate()) throw error;
      return this.#send(method, url, json);
    }
  }

  async #send(method: HttpMethod, url: URL, json?: unknown): Promise<unknown> {
    const authorization = await this.#authorizer.header();
    const { body } = await sendProviderRequest(
      { method, url, headers: { Authorization: authorization }, json },
      { provider: 'credly', timeoutMs: this.#timeoutMs, clock: this.#clock, secrets: this.#secrets, errorMessage: credlyErrorMessage },
    );
    return body;
  }
}
