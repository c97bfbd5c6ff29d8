/**
 * A fake Credly Web Service API v1 over real HTTP: organisation, badge templates (paged, with
 * filters), issue/list/get/revoke badges with Credly's validation, events, the OAuth2 client
 * credentials token endpoint, and webhook notifications. Both auth variants are accepted as Credly
 * (and its real clients) send them: Basic with `base64(token)` or `base64(token:)`, and Bearer.
 */
import { randomUUID } from 'node:crypto';
import { bodyFields, emailPattern, FakeHttpServer, type FakeRequest, type FakeResponse, type FaultRule, type LoggedRequest } from '../http/fake-server.js';
import { badgeJson, credlyError, eventJson, listPage, organizationJson, parseFilter, templateJson } from './json.js';
import { FakeCredlyState, type FakeCredlyBadge } from './state.js';
import { WebhookSender } from './webhooks.js';

export interface FakeCredlyOptions {
  /** Credly pages by 50; tests use fewer to exercise pagination cheaply. */
  pageSize?: number;
  accessTokenTtlSeconds?: number;
}

export interface FakeCredly {
  /** `http://127.0.0.1:<port>/v1`, the adapter's `apiBaseUrl`. */
  apiBaseUrl: string;
  oauthTokenUrl: string;
  state: FakeCredlyState;
  webhooks: WebhookSender;
  requests: LoggedRequest[];
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const credlyLocales = new Set(['en', 'fr', 'de', 'ko', 'ja', 'zh-CN', 'pt', 'es-ES', 'es-US', 'fr-CA', 'pt-BR']);

export async function startFakeCredly(options: FakeCredlyOptions = {}): Promise<FakeCredly> {
  const state = new FakeCredlyState();
  const webhooks = new WebhookSender();
  state.onEvent = (event) => webhooks.notify(event);
  const pageSize = options.pageSize ?? 50;
  const ttlSeconds = options.accessTokenTtlSeconds ?? 7200;

  /** The organisation the request may act on, or the 401/403 Credly would answer. */
  const authorize = (request: FakeRequest, write: boolean): FakeResponse | undefined => {
    const organization = state.organizations.get(request.params.org ?? '');
    const [scheme, value = ''] = (request.headers.authorization ?? '').split(' ');
    if (scheme === 'Basic') {
      // Credly documents `token:`; Open edX and others send the bare token. Both are honoured.
      const token = Buffer.from(value, 'base64').toString('utf8').split(':')[0] ?? '';
      const owner = [...state.organizations.values()].find((org) => org.authorizationTokens.some((t) => t.token === token));
      if (!owner) return credlyError(401, 'Unauthorized');
      if (owner !== organization) return credlyError(403, 'Forbidden');
      const grant = owner.authorizationTokens.find((t) => t.token === token);
      if (write && !grant?.write) return credlyError(403, 'This authorization token does not have write access');
      return undefined;
    }
    if (scheme === 'Bearer') {
      const grant = state.accessTokens.get(value);
      if (!grant || grant.expiresAt <= Date.now()) return credlyError(401, 'Unauthorized');
      if (grant.organizationId !== organization?.id) return credlyError(403, 'Forbidden');
      return undefined;
    }
    return credlyError(401, 'Unauthorized');
  };

  const server = new FakeHttpServer({
    errorBody: (status, message) => credlyError(status, message).body,
    routes: [
      {
        method: 'POST',
        path: '/oauth/token',
        handler: (request) => {
          const fields = bodyFields(request.body);
          let clientId = fields.client_id;
          let clientSecret = fields.client_secret;
          const [scheme, value = ''] = (request.headers.authorization ?? '').split(' ');
          if (scheme === 'Basic') [clientId, clientSecret] = Buffer.from(value, 'base64').toString('utf8').split(':');
          if (fields.grant_type !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
          const owner = [...state.organizations.values()].find((org) =>
            org.oauthClients.some((client) => client.clientId === clientId && client.clientSecret === clientSecret),
          );
          if (!owner) return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } };
          const accessToken = randomUUID().replaceAll('-', '');
          state.accessTokens.set(accessToken, { organizationId: owner.id, expiresAt: Date.now() + ttlSeconds * 1000 });
          return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: ttlSeconds, created_at: Math.floor(Date.now() / 1000) } };
        },
      },
      {
        method: 'GET',
        path: '/v1/organizations/:org',
        handler: (request) => authorize(request, false) ?? { status: 200, body: { data: organizationJson(state.organizations.get(request.params.org ?? '')!) } },
      },
      {
        method: 'GET',
        path: '/v1/organizations/:org/badge_templates',
        handler: (request) => {
          const denied = authorize(request, false);
          if (denied) return denied;
          const filter = parseFilter(request.query.get('filter'));
          const states = filter.get('state')?.split(',');
          const templates = [...state.templates.values()].filter(
            (t) => t.organizationId === request.params.org && !t.deleted && (!states || states.includes(t.state)),
          );
          return { status: 200, body: listPage(request, templates.map(templateJson), pageSize) };
        },
      },
      {
        method: 'GET',
        path: '/v1/organizations/:org/badge_templates/:id',
        handler: (request) => {
          const denied = authorize(request, false);
          if (denied) return denied;
          const template = state.templates.get(request.params.id ?? '');
          if (!template || template.deleted || template.organizationId !== request.params.org) return credlyError(404, 'Not found');
          return { status: 200, body: { data: templateJson(template) } };
        },
      },
      {
        method: 'POST',
        path: '/v1/organizations/:org/badges',
        handler: (request) => authorize(request, true) ?? issueBadge(request),
      },
      {
        method: 'GET',
        path: '/v1/organizations/:org/badges',
        handler: (request) => {
          const denied = authorize(request, false);
          if (denied) return denied;
          const filter = parseFilter(request.query.get('filter'));
          const matches = (badge: FakeCredlyBadge): boolean =>
            (!filter.has('recipient_email') || badge.recipientEmail.toLowerCase() === filter.get('recipient_email')?.toLowerCase()) &&
            (!filter.has('badge_template_id') || badge.templateId === filter.get('badge_template_id')) &&
            (!filter.has('issuer_earner_id') || badge.issuerEarnerId === filter.get('issuer_earner_id')) &&
            (!filter.has('state') || badge.state === filter.get('state'));
          const badges = state.badgesOf(request.params.org ?? '').filter(matches);
          return { status: 200, body: listPage(request, badges.map((badge) => badgeJson(badge, state)), pageSize) };
        },
      },
      {
        method: 'GET',
        path: '/v1/organizations/:org/badges/:id',
        handler: (request) => {
          const denied = authorize(request, false);
          if (denied) return denied;
          const badge = state.badges.get(request.params.id ?? '');
          if (!badge || badge.organizationId !== request.params.org) return credlyError(404, 'Not found');
          return { status: 200, body: { data: badgeJson(badge, state) } };
        },
      },
      {
        method: 'PUT',
        path: '/v1/organizations/:org/badges/:id/revoke',
        handler: (request) => {
          const denied = authorize(request, true);
          if (denied) return denied;
          const badge = state.badges.get(request.params.id ?? '');
          if (!badge || badge.organizationId !== request.params.org) return credlyError(404, 'Not found');
          const reason = bodyFields(request.body).reason;
          if (typeof reason !== 'string' || reason.trim() === '') {
            return credlyError(422, 'Validation failed', [{ attribute: 'reason', messages: ["can't be blank"] }]);
          }
          if (badge.state === 'revoked') return credlyError(422, 'Badge has already been revoked');
          badge.revokeReason = reason;
          state.changeBadgeState(badge.id, 'revoked');
          return { status: 200, body: { data: badgeJson(badge, state) } };
        },
      },
      {
        method: 'GET',
        path: '/v1/organizations/:org/events/:id',
        handler: (request) => {
          const denied = authorize(request, false);
          if (denied) return denied;
          const event = state.events.get(request.params.id ?? '');
          if (!event || event.organizationId !== request.params.org) return credlyError(404, 'Not found');
          return { status: 200, body: { data: eventJson(event, state) } };
        },
      },
    ],
  });

  /** Credly's rules for a new badge, each refusal a 422 naming the attribute. */
  function issueBadge(request: FakeRequest): FakeResponse {
    const organizationId = request.params.org ?? '';
    const fields = bodyFields(request.body);
    const text = (key: string): string => (typeof fields[key] === 'string' ? (fields[key] as string).trim() : '');
    const errors: { attribute: string; messages: string[] }[] = [];
    for (const key of ['recipient_email', 'badge_template_id', 'issued_at', 'issued_to_first_name', 'issued_to_last_name']) {
      if (text(key) === '') errors.push({ attribute: key, messages: ["can't be blank"] });
    }
    if (text('recipient_email') !== '' && !emailPattern.test(text('recipient_email'))) errors.push({ attribute: 'recipient_email', messages: ['is invalid'] });
    const issuedAt = text('issued_at') === '' ? null : parseCredlyTime(text('issued_at'));
    if (text('issued_at') !== '' && issuedAt === null) errors.push({ attribute: 'issued_at', messages: ['is invalid'] });
    const expires = fields.expires_at;
    const expiresAt = typeof expires === 'string' ? parseCredlyTime(expires) : null;
    if (typeof expires === 'string' && expiresAt === null) errors.push({ attribute: 'expires_at', messages: ['is invalid'] });
    if (fields.locale !== undefined && !credlyLocales.has(String(fields.locale))) errors.push({ attribute: 'locale', messages: ['is not included in the list'] });
    const template = state.templates.get(text('badge_template_id'));
    if (text('badge_template_id') !== '' && (!template || template.deleted || template.organizationId !== organizationId)) {
      errors.push({ attribute: 'badge_template_id', messages: ['is invalid'] });
    }
    if (errors.length > 0) return credlyError(422, 'Validation failed', errors);
    if (template!.state !== 'active') return credlyError(422, 'Badges cannot be issued from an archived or draft badge template');

    const email = text('recipient_email');
    const earnerId = text('issuer_earner_id') || null;
    const duplicate = state
      .badgesOf(organizationId)
      .some((badge) => badge.templateId === template!.id && badge.state !== 'revoked' && (badge.recipientEmail.toLowerCase() === email.toLowerCase() || (earnerId !== null && badge.issuerEarnerId === earnerId)));
    if (duplicate && !template!.allowDuplicateBadges) return credlyError(422, 'User already has this badge');

    const badge: FakeCredlyBadge = {
      id: randomUUID(),
      organizationId,
      templateId: template!.id,
      recipientEmail: email,
      firstName: text('issued_to_first_name'),
      middleName: text('issued_to_middle_name') || null,
      lastName: text('issued_to_last_name'),
      issuedAt: issuedAt!.toISOString(),
      expiresAt: expiresAt?.toISOString() ?? null,
      issuerEarnerId: earnerId,
      locale: typeof fields.locale === 'string' ? fields.locale : null,
      state: 'pending',
      revokeReason: null,
      createdAt: new Date().toISOString(),
    };
    state.badges.set(badge.id, badge);
    state.recordEvent(organizationId, 'badge.created', { badgeId: badge.id });
    return { status: 201, body: { data: badgeJson(badge, state) } };
  }

  const origin = await server.start();
  return {
    apiBaseUrl: `${origin}/v1`,
    oauthTokenUrl: `${origin}/oauth/token`,
    state,
    webhooks,
    requests: server.requests,
    injectFault: (rule) => server.injectFault(rule),
    clearFaults: () => server.clearFaults(),
    close: async () => {
      await webhooks.settled();
      await server.close();
    },
  };
}

/** Credly's `2014-04-01 09:41:00 -0500`, or ISO 8601; anything else is invalid. */
function parseCredlyTime(value: string): Date | null {
  const credly = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})$/.exec(value);
  const iso = credly ? `${credly[1]}T${credly[2]}${credly[3]}:${credly[4]}` : /^\d{4}-\d{2}-\d{2}T/.test(value) ? value : '';
  const time = Date.parse(iso);
  return Number.isNaN(time) ? null : new Date(time);
}
