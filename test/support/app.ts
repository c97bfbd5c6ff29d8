import { afterAll, beforeAll, describe } from 'vitest';
import { createLaurel, type Laurel } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { OpenedDatabase } from '../../src/db/database.js';
import { MasterSecret } from '../../src/kernel/secrets.js';
import { initializeOrganization, type InitializeResult } from '../../src/tenancy/initialize.js';
import { databaseKinds, freshDatabase, type DatabaseKind } from './databases.js';

export const testSecret = new MasterSecret('test-master-secret-of-at-least-32-characters');

export interface TestApp {
  laurel: Laurel;
  baseUrl: string;
  kind: DatabaseKind;
  database: OpenedDatabase;
  /** Creates an organisation with an owner and an all-scopes client (as `laurel init` does). */
  organization(name: string): Promise<InitializeResult>;
  /** An access token for the client, from the real token endpoint. */
  token(clientId: string, clientSecret: string, scope?: string): Promise<string>;
  /** fetch against the running server; JSON bodies are encoded, responses parsed. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<TestResponse>;
  stop(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary JSON
  text: string;
}

/** A real Laurel server on an ephemeral port over a fresh database of the given kind. */
export async function startTestApp(kind: DatabaseKind, env: Record<string, string> = {}, options: { runWorkers?: boolean } = {}): Promise<TestApp> {
  const database = await freshDatabase(kind);
  const config: Config = { ...loadConfig({ LAUREL_LOG_LEVEL: 'silent', LAUREL_RATE_LIMIT_CLIENT: '100000', LAUREL_RATE_LIMIT_IP: '100000', ...env }), host: '127.0.0.1', port: 0 };
  const laurel = await createLaurel({ config, secret: testSecret, db: database.db, logger: false, runWorkers: options.runWorkers ?? false });
  const address = await laurel.start();
  const baseUrl = address.replace('[::1]', '127.0.0.1');

  async function call(method: string, path: string, callOptions: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { ...callOptions.headers };
    if (callOptions.token) headers.authorization = `Bearer ${callOptions.token}`;
    let body: string | Uint8Array | undefined;
    if (callOptions.body !== undefined) {
      const raw = typeof callOptions.body === 'string' || callOptions.body instanceof Uint8Array;
      body = raw ? (callOptions.body as string | Uint8Array) : JSON.stringify(callOptions.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body as BodyInit | undefined });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  return {
    laurel,
    baseUrl,
    kind,
    database,
    organization: (name) => initializeOrganization(database.db, laurel.services.clients, { organizationName: name, adminEmail: `owner@${name.toLowerCase().replace(/\W+/g, '-')}.example` }),
    async token(clientId, clientSecret, scope) {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...(scope ? { scope } : {}) });
      const response = await fetch(`${baseUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      const json = (await response.json()) as { access_token?: string };
      if (!json.access_token) throw new Error(`token request failed: ${response.status} ${JSON.stringify(json)}`);
      return json.access_token;
    },
    call,
    async stop() {
      await laurel.stop();
      await database.close();
    },
  };
}

/** Runs the same API tests against a server on every available database kind. */
export function describeEachApp(title: string, body: (app: () => TestApp) => void, env: Record<string, string> = {}, options: { runWorkers?: boolean } = {}): void {
  for (const kind of databaseKinds) {
    describe(`${title} [${kind}]`, () => {
      let app: TestApp | undefined;
      beforeAll(async () => {
        app = await startTestApp(kind, env, options);
      });
      afterAll(async () => {
        await app?.stop();
      });
      body(() => {
        if (!app) throw new Error('app not started');
        return app;
      });
    });
  }
}
