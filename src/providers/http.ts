/**
 * The one place provider HTTP calls are made: JSON in and out over the global fetch, a hard
 * timeout covering headers and body, and every failure classified by `errors.ts`. Nothing here
 * logs; headers (which carry the credentials) never reach an error message.
 */
import type { Clock } from '../kernel/clock.js';
import type { ProviderName } from './adapter.js';
import { classifyResponse, classifyTransportFailure, ProviderUnavailableError } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ProviderHttpOptions {
  provider: ProviderName;
  timeoutMs: number;
  clock: Clock;
  /** Reads the provider's explanation out of its error envelope. */
  errorMessage: (body: unknown) => string | undefined;
  /** The connection's secrets, masked in anything that reaches an error message. */
  secrets: readonly string[];
}

export interface ProviderRequest {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  json?: unknown;
  form?: URLSearchParams;
}

export interface ProviderResponse {
  status: number;
  body: unknown;
}

export async function sendProviderRequest(request: ProviderRequest, options: ProviderHttpOptions): Promise<ProviderResponse> {
  const operation = `${request.method} ${request.url.pathname}`;
  const context = { provider: options.provider, operation, secrets: options.secrets, now: options.clock.now() };
  const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(request.json);
  } else if (request.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = request.form.toString();
  }

  let status: number;
  let retryAfter: string | null;
  let text: string;
  try {
    const response = await fetch(request.url, { method: request.method, headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
    status = response.status;
    retryAfter = response.headers.get('retry-after');
    text = await response.text();
  } catch (error) {
    // A read never changes anything; a write that got no answer may have been carried out.
    throw classifyTransportFailure(error, { ...context, timeoutMs: options.timeoutMs, outcomeUnknown: request.method !== 'GET' });
  }

  const parsed = parseJson(text);
  if (status >= 200 && status < 300) {
    if (parsed === invalidJson) {
      throw new ProviderUnavailableError(options.provider, `${operation} answered HTTP ${status} with a body that is not JSON`, { status, outcomeUnknown: request.method !== 'GET' });
    }
    return { status, body: parsed };
  }
  const providerMessage = parsed === invalidJson ? undefined : options.errorMessage(parsed);
  throw classifyResponse({ status, retryAfter, providerMessage }, context);
}

const invalidJson = Symbol('invalid JSON');

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return invalidJson;
  }
}
