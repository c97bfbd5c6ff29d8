/**
 * Every provider failure is classified here and nowhere else, into what the job worker needs to
 * know: retry (network, timeout, 5xx, 429), retry after the provider's Retry-After, or stop now
 * (bad credentials, a request the provider refuses). Messages carry only what the provider said
 * about the request, with the connection's secrets masked, so they can be shown to users.
 */
import { PermanentJobError, RetryLaterError } from '../jobs/errors.js';
import type { ProviderName } from './adapter.js';

const providerTitles: Record<ProviderName, string> = { credly: 'Credly', accredible: 'Accredible' };

/** 401/403: the stored credentials are wrong, expired or lack a permission. Retrying will not help. */
export class ProviderCredentialsError extends PermanentJobError {
  constructor(
    readonly provider: ProviderName,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderCredentialsError';
  }
}

/** Any other 4xx: the provider refuses this request (validation, duplicate, unknown id). */
export class ProviderRejectedError extends PermanentJobError {
  constructor(
    readonly provider: ProviderName,
    readonly status: number,
    /** What the provider said, secrets masked; suitable for showing to the user. */
    readonly providerMessage: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderRejectedError';
  }
}

/** The provider is unreachable, slow or failing; try again with backoff. */
export class ProviderUnavailableError extends Error {
  constructor(
    readonly provider: ProviderName,
    message: string,
    readonly details: {
      status?: number;
      /** The request may have taken effect (a write that timed out or lost its connection). */
      outcomeUnknown: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.name = 'ProviderUnavailableError';
  }
}

/** The provider named when to come back (429 or 503 with Retry-After). */
export class ProviderRetryLaterError extends RetryLaterError {
  constructor(
    readonly provider: ProviderName,
    readonly status: number,
    delayMs: number,
    message: string,
  ) {
    super(delayMs, message);
    this.name = 'ProviderRetryLaterError';
  }
}

export type ProviderError = ProviderCredentialsError | ProviderRejectedError | ProviderUnavailableError | ProviderRetryLaterError;

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

const maxMessageLength = 500;

/** Masks every secret the connection holds and bounds the length of text that came from outside. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of secrets) {
    // Very short values would mask ordinary words; real secrets are long.
    if (secret.length >= 6) masked = masked.split(secret).join('[redacted]');
  }
  return masked.length > maxMessageLength ? `${masked.slice(0, maxMessageLength)}…` : masked;
}

export interface FailedResponse {
  status: number;
  retryAfter: string | null;
  /** The provider's explanation, already extracted from its error envelope (never the raw body). */
  providerMessage: string | undefined;
}

export interface FailureContext {
  provider: ProviderName;
  /** `METHOD /path`, without query string or credentials. */
  operation: string;
  secrets: readonly string[];
  now: Date;
}

/** Turns a non-2xx answer into the error the job worker acts on. */
export function classifyResponse(response: FailedResponse, context: FailureContext): ProviderError {
  const { provider, operation } = context;
  const title = providerTitles[provider];
  const said = response.providerMessage ? maskSecrets(response.providerMessage, context.secrets) : undefined;
  const suffix = said ? `: ${said}` : '';
  const { status } = response;

  if (status === 429 || status >= 500 || status === 408) {
    const delayMs = parseRetryAfter(response.retryAfter, context.now);
    const reason = status === 429 ? 'rate limited' : `unavailable (HTTP ${status})`;
    if (delayMs !== undefined) {
      return new ProviderRetryLaterError(provider, status, delayMs, `${title} ${reason} on ${operation}; retry in ${Math.ceil(delayMs / 1000)} s`);
    }
    return new ProviderUnavailableError(provider, `${title} ${reason} on ${operation}${suffix}`, { status, outcomeUnknown: false });
  }
  if (status === 401) {
    return new ProviderCredentialsError(provider, status, `${title} rejected the connection's credentials (HTTP 401): check or renew the token${suffix}`);
  }
  if (status === 403) {
    return new ProviderCredentialsError(provider, status, `${title} refused access (HTTP 403): the credentials lack a permission or belong to another account${suffix}`);
  }
  return new ProviderRejectedError(provider, status, said ?? `HTTP ${status}`, `${title} refused ${operation} (HTTP ${status})${suffix}`);
}

/** Turns a fetch that never got an answer into a retryable error. */
export function classifyTransportFailure(error: unknown, context: FailureContext & { timeoutMs: number; outcomeUnknown: boolean }): ProviderUnavailableError {
  const title = providerTitles[context.provider];
  const timedOut = error instanceof Error && error.name === 'TimeoutError';
  const what = timedOut ? `did not answer within ${context.timeoutMs} ms` : `could not be reached (${describeNetworkError(error)})`;
  return new ProviderUnavailableError(context.provider, `${title} ${what} on ${context.operation}`, {
    outcomeUnknown: context.outcomeUnknown,
    cause: error,
  });
}

/** fetch wraps the socket error in `cause`; its code (ECONNRESET, ECONNREFUSED…) is what helps. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return 'network error';
  const cause = error.cause;
  if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return error.message;
}
