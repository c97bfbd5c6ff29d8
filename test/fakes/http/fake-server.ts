/**
 * The HTTP plumbing shared by the provider fakes: a real node:http server on 127.0.0.1 with a
 * port of its own, a tiny router, a request log, and programmable faults (an error status with
 * Retry-After, a response held until the client gives up, a request carried out whose response is
 * then lost, a connection reset). Routes return a FakeResponse instead of writing, so a fault can
 * replace or swallow any answer.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  body: unknown;
  /** Absolute URL of this request, for building next-page links. */
  url: URL;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

export interface Route {
  method: string;
  /** `/v1/organizations/:org/badges/:id`; `:name` matches one path segment. */
  path: string;
  handler: RouteHandler;
}

export type Fault =
  /** Answer with this status instead (the vendor's error envelope unless `body` is given). */
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  /** Never answer: the client's timeout fires. */
  | { kind: 'hold' }
  /** Carry the request out, then drop the connection instead of answering. */
  | { kind: 'lose-response' }
  /** Drop the connection without doing anything. */
  | { kind: 'reset' };

export interface FaultRule {
  method?: string;
  /** Exact path or a pattern; absent matches every path. */
  path?: string | RegExp;
  /** How many matching requests it affects; absent means all until cleared. */
  times?: number;
  fault: Fault;
}

export type AuthorizationScheme = 'basic' | 'bearer' | 'token' | 'none' | 'other';

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  /** The scheme only: the fake never keeps credentials in its log. */
  authorization: AuthorizationScheme;
  body: unknown;
  outcome: number | 'held' | 'lost' | 'reset';
}

export interface FakeServerOptions {
  routes: Route[];
  /** The vendor's error envelope for a status and message. */
  errorBody: (status: number, message: string) => unknown;
}

interface CompiledRoute extends Route {
  pattern: RegExp;
}

export class FakeHttpServer {
  readonly requests: LoggedRequest[] = [];
  readonly #routes: CompiledRoute[];
  readonly #errorBody: FakeServerOptions['errorBody'];
  readonly #server: Server;
  #faults: FaultRule[] = [];
  #origin = '';

  constructor(options: FakeServerOptions) {
    this.#routes = options.routes.map((route) => ({ ...route, pattern: compilePath(route.path) }));
    this.#errorBody = options.errorBody;
    this.#server = createServer((req, res) => {
      void this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) send(res, { status: 500, body: this.#errorBody(500, String(error)) });
      });
    });
  }

  get origin(): string {
    return this.#origin;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.#origin = `http://127.0.0.1:${port}`;
    return this.#origin;
  }

  /** Held responses and keep-alive sockets are cut, so close never waits on a test's leftovers. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  injectFault(rule: FaultRule): void {
    this.#faults.push({ ...rule });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#origin);
    const method = req.method ?? 'GET';
    const entry: LoggedRequest = { method, path: url.pathname, query: url.search, authorization: schemeOf(req.headers.authorization), body: undefined, outcome: 'held' };
    this.requests.push(entry);

    const raw = await readBody(req);
    const parsed = parseBody(raw, req.headers['content-type']);
    if (parsed === malformed) {
      entry.outcome = 400;
      return send(res, { status: 400, body: this.#errorBody(400, 'malformed request body') });
    }
    entry.body = parsed;

    const fault = this.#takeFault(method, url.pathname);
    if (fault?.kind === 'hold') return; // the socket stays open until the client aborts or close() cuts it
    if (fault?.kind === 'reset') {
      entry.outcome = 'reset';
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      entry.outcome = fault.status;
      const headers = fault.retryAfter === undefined ? undefined : { 'Retry-After': fault.retryAfter };
      return send(res, { status: fault.status, body: fault.body ?? this.#errorBody(fault.status, `injected ${fault.status}`), headers });
    }

    const response = await this.#route(method, url, req.headers, parsed);
    if (fault?.kind === 'lose-response') {
      entry.outcome = 'lost';
      req.socket.destroy();
      return;
    }
    entry.outcome = response.status;
    send(res, response);
  }

  async #route(method: string, url: URL, headers: IncomingHttpHeaders, body: unknown): Promise<FakeResponse> {
    let pathMatched = false;
    for (const route of this.#routes) {
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([key, value]) => [key, decodeURIComponent(value)]));
      return route.handler({ method, path: url.pathname, query: url.searchParams, headers, params, body, url });
    }
    return pathMatched ? { status: 405, body: this.#errorBody(405, 'method not allowed') } : { status: 404, body: this.#errorBody(404, 'not found') };
  }

  #takeFault(method: string, path: string): Fault | undefined {
    const rule = this.#faults.find(
      (candidate) =>
        (candidate.method === undefined || candidate.method === method) &&
        (candidate.path === undefined || (typeof candidate.path === 'string' ? candidate.path === path : candidate.path.test(path))),
    );
    if (!rule) return undefined;
    if (rule.times !== undefined && --rule.times <= 0) this.#faults = this.#faults.filter((candidate) => candidate !== rule);
    return rule.fault;
  }
}

function compilePath(path: string): RegExp {
  const source = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, '(?<$1>[^/]+)');
  return new RegExp(`^${source}/?$`);
}

function schemeOf(header: string | undefined): AuthorizationScheme {
  if (!header) return 'none';
  const scheme = header.split(' ')[0]?.toLowerCase();
  return scheme === 'basic' || scheme === 'bearer' || scheme === 'token' ? scheme : 'other';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const malformed = Symbol('malformed');

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return malformed;
  }
}

function send(res: ServerResponse, response: FakeResponse): void {
  const text = response.body === undefined ? '' : JSON.stringify(response.body);
  res.writeHead(response.status, { 'Content-Type': 'application/json; charset=utf-8', ...response.headers });
  res.end(text);
}

/** A JSON body as a record, or an empty one (the routes validate fields themselves). */
export function bodyFields(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

export const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
