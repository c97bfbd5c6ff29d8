import { recordAudit } from '../../audit/store.js';
import { inTransaction, type Db } from '../../db/database.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { constantTimeEqual, randomToken, type MasterSecret } from '../../kernel/secrets.js';
import type { OperationContext } from '../principal.js';
import type { Scope } from '../scopes.js';
import {
  expireSecretsBy,
  findClient,
  findClientById,
  insertClient,
  insertSecret,
  listClients,
  markRevoked,
  validSecretHashes,
  type ApiClient,
} from './store.js';

export interface ClientWithSecret {
  client: ApiClient;
  /** Shown once; only its keyed hash is stored. */
  clientSecret: string;
}

export interface ClientServiceOptions {
  db: Db;
  secret: MasterSecret;
  clock: Clock;
  /** How long a rotated secret keeps working, unless the caller chooses otherwise. */
  defaultGraceSeconds: number;
}

/** API clients of an organisation: creation, secret rotation with a grace period, revocation. */
export class ClientService {
  readonly #revocationListeners: ((clientId: string) => void)[] = [];

  constructor(private readonly options: ClientServiceOptions) {}

  /** Lets caches of this process forget a client the moment it is revoked. */
  onRevoked(listener: (clientId: string) => void): void {
    this.#revocationListeners.push(listener);
  }

  #hash(secret: string): string {
    return this.options.secret.hash('client-secret-hash', secret);
  }

  async create(context: OperationContext, input: { name: string; scopes: Scope[] }): Promise<ClientWithSecret> {
    const clientSecret = randomToken(40);
    const client = await inTransaction(this.options.db, async (tx) => {
      const created = await insertClient(tx, context.organizationId, input.name, [...new Set(input.scopes)]);
      await insertSecret(tx, created.id, this.#hash(clientSecret));
      await recordAudit(tx, context, { action: 'client.created', target: { type: 'client', id: created.id }, details: { name: input.name, scopes: created.scopes } });
      return created;
    });
    return { client, clientSecret };
  }

  list(context: OperationContext, after: string | undefined, limit: number) {
    return listClients(this.options.db, context.organizationId, after, limit);
  }

  async get(context: OperationContext, id: string): Promise<ApiClient> {
    const client = await findClient(this.options.db, context.organizationId, id);
    if (!client) throw notFound('Client');
    return client;
  }

  /** Issues a new secret; the previous ones stay valid for `graceSeconds` (0 ends them now). */
  async rotate(context: OperationContext, id: string, graceSeconds = this.options.defaultGraceSeconds): Promise<ClientWithSecret & { previousSecretsExpireAt: Date }> {
    const clientSecret = randomToken(40);
    const expireAt = new Date(this.options.clock.now().getTime() + graceSeconds * 1000);
    const client = await inTransaction(this.options.db, async (tx) => {
      const client = await findClient(tx, context.organizationId, id);
      if (!client) throw notFound('Client');
      if (client.revokedAt) throw new AppError('conflict', 'A revoked client cannot be rotated; create a new one.');
      await expireSecretsBy(tx, id, expireAt);
      await insertSecret(tx, id, this.#hash(clientSecret));
      await recordAudit(tx, context, { action: 'client.secret_rotated', target: { type: 'client', id }, details: { graceSeconds } });
      return client;
    });
    return { client, clientSecret, previousSecretsExpireAt: expireAt };
  }

  async revoke(context: OperationContext, id: string): Promise<ApiClient> {
    const now = this.options.clock.now();
    const revoked = await inTransaction(this.options.db, async (tx) => {
      const client = await findClient(tx, context.organizationId, id);
      if (!client) throw notFound('Client');
      if (client.revokedAt) return client;
      await markRevoked(tx, id, now);
      await expireSecretsBy(tx, id, now);
      await recordAudit(tx, context, { action: 'client.revoked', target: { type: 'client', id } });
      return { ...client, revokedAt: now };
    });
    for (const listener of this.#revocationListeners) listener(id);
    return revoked;
  }

  /** The active client these credentials belong to, or null (unknown id, wrong secret, revoked). */
  async authenticate(clientId: string, clientSecret: string): Promise<ApiClient | null> {
    const client = await findClientById(this.options.db, clientId);
    if (!client || client.revokedAt) return null;
    const presented = this.#hash(clientSecret);
    const hashes = await validSecretHashes(this.options.db, clientId, this.options.clock.now());
    return hashes.some((hash) => constantTimeEqual(hash, presented)) ? client : null;
  }

  /** Whether a client may still use the tokens it holds (checked on every request, cached briefly). */
  async isActive(clientId: string): Promise<boolean> {
    const client = await findClientById(this.options.db, clientId);
    return client !== undefined && client.revokedAt === null;
  }
}
