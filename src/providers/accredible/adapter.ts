/** The Accredible Credential API behind Laurel's ProviderAdapter. */
import { systemClock, type Clock } from '../../kernel/clock.js';
import type { IssueRequest, ProviderAccount, ProviderAdapter, ProviderBadge, ProviderTemplate } from '../adapter.js';
import { ProviderRejectedError } from '../errors.js';
import { sendProviderRequest, type HttpMethod } from '../http.js';
import { idAt, isObject, objectAt, objectsAt, stringOrNull } from '../wire.js';
import { accredibleApiRoot, defaultAccredibleTimeoutMs, type AccredibleConnectionSettings } from './config.js';
import {
  accredibleErrorMessage,
  deletedBadge,
  formatAccredibleTimestamp,
  isCredentialOf,
  toAccredibleCredentialPayload,
  toProviderBadge,
  toProviderTemplate,
} from './mapping.js';

const groupPageSize = 50;
const searchPageSize = 50;
/** Bounds a pagination loop even if a provider keeps answering with a next page. */
const maxPages = 10_000;

export class AccredibleAdapter implements ProviderAdapter {
  readonly provider = 'accredible' as const;
  readonly #settings: AccredibleConnectionSettings;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #root: string;

  constructor(settings: AccredibleConnectionSettings, options: { clock?: Clock } = {}) {
    this.#settings = settings;
    this.#clock = options.clock ?? systemClock;
    this.#timeoutMs = settings.timeoutMs ?? defaultAccredibleTimeoutMs;
    this.#root = accredibleApiRoot(settings);
  }

  async testConnection(): Promise<ProviderAccount> {
    const issuer = objectAt('accredible', await this.#call('GET', '/v1/issuer/details'), 'issuer');
    return { id: idAt('accredible', issuer), name: stringOrNull(issuer.name) ?? '' };
  }

  /**
   * The groups this API key can see (an account key sees the account's, a department key its
   * department's), each with its design's image. Designs are shared, so each is fetched once.
   */
  async *listTemplates(): AsyncIterable<ProviderTemplate> {
    const images = new Map<string, string | null>();
    for (let page: number | null = 1, count = 0; page !== null && count < maxPages; count++) {
      const body = await this.#call('POST', '/v1/issuer/groups/search', { page, page_size: groupPageSize });
      for (const group of objectsAt('accredible', body, 'groups')) {
        const designId = group.primary_design_id;
        let imageUrl: string | null = null;
        if (typeof designId === 'number' || typeof designId === 'string') {
          const key = String(designId);
          if (!images.has(key)) images.set(key, await this.#designImage(key));
          imageUrl = images.get(key) ?? null;
        }
        yield toProviderTemplate(group, imageUrl);
      }
      const meta = isObject(body) && isObject(body.meta) ? body.meta : {};
      page = typeof meta.next_page === 'number' ? meta.next_page : null;
    }
  }

  async issue(request: IssueRequest): Promise<ProviderBadge> {
    const body = await this.#call('POST', '/v1/credentials', toAccredibleCredentialPayload(request));
    return toProviderBadge(objectAt('accredible', body, 'credential'), this.#clock.now());
  }

  /** Searches the recipient's credentials in the group for the one this issue wrote its ids into. */
  async findExisting(request: IssueRequest): Promise<ProviderBadge | null> {
    const query = { 'group.id[in]': [request.templateExternalId], recipient_email: request.recipient.email };
    for (let from = 0, count = 0; count < maxPages; from += searchPageSize, count++) {
      const body = await this.#call('POST', '/v2/credentials/search', { query, page: { from, size: searchPageSize } });
      const credentials = objectsAt('accredible', body, 'credentials');
      const match = credentials.find((credential) => isCredentialOf(credential, request));
      if (match) return toProviderBadge(match, this.#clock.now());
      const total = isObject(body) && isObject(body.meta) && typeof body.meta.count === 'number' ? body.meta.count : 0;
      if (credentials.length < searchPageSize || from + searchPageSize >= total) return null;
    }
    return null;
  }

  /** Expires the credential now, or deletes it, as the connection says; repeating either is harmless. */
  async revoke(externalId: string, _reason: string): Promise<ProviderBadge> {
    const path = credentialPath(externalId);
    if (this.#settings.revokeMode === 'delete') {
      try {
        await this.#call('DELETE', path);
      } catch (error) {
        if (!(error instanceof ProviderRejectedError && error.status === 404)) throw error;
      }
      return deletedBadge(externalId);
    }
    const expiredOn = formatAccredibleTimestamp(this.#clock.now());
    const body = await this.#call('PUT', path, { credential: { expired_on: expiredOn } });
    return toProviderBadge(objectAt('accredible', body, 'credential'), this.#clock.now());
  }

  /** A credential that no longer exists was deleted, which is how Accredible revokes. */
  async getBadgeState(externalId: string): Promise<ProviderBadge> {
    try {
      const body = await this.#call('GET', credentialPath(externalId));
      return toProviderBadge(objectAt('accredible', body, 'credential'), this.#clock.now());
    } catch (error) {
      if (error instanceof ProviderRejectedError && error.status === 404) return deletedBadge(externalId);
      throw error;
    }
  }

  /** A design that cannot be read leaves the group without an image rather than failing the sync. */
  async #designImage(designId: string): Promise<string | null> {
    try {
      const design = objectAt('accredible', await this.#call('GET', `/v1/designs/${encodeURIComponent(designId)}`), 'design');
      return stringOrNull(design.rasterized_content_url);
    } catch (error) {
      if (error instanceof ProviderRejectedError) return null;
      throw error;
    }
  }

  async #call(method: HttpMethod, path: string, json?: unknown): Promise<unknown> {
    const { body } = await sendProviderRequest(
      { method, url: new URL(`${this.#root}${path}`), headers: { Authorization: `Token token=${this.#settings.apiKey}` }, json },
      {
        provider: 'accredible',
        timeoutMs: this.#timeoutMs,
        clock: this.#clock,
        secrets: [this.#settings.apiKey],
        errorMessage: accredibleErrorMessage,
      },
    );
    return body;
  }
}

function credentialPath(externalId: string): string {
  return `/v1/credentials/${encodeURIComponent(externalId)}`;
}
