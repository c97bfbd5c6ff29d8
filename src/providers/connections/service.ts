import { recordAudit } from '../../audit/store.js';
import type { OperationContext } from '../../auth/principal.js';
import { inTransaction, type Db } from '../../db/database.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { countBadgeClassesUsingConnection } from '../../catalog/badge-classes/store.js';
import { newId } from '../../kernel/ids.js';
import type { MasterSecret } from '../../kernel/secrets.js';
import type { ProviderAdapter, ProviderTemplate } from '../adapter.js';
import { enqueue } from '../../jobs/queue.js';
import { createProviderAdapter } from '../factory.js';
import { listTemplates, replaceTemplates, type StoredTemplate } from './templates.js';
import { providerFailureAsAppError } from './provider-failure.js';
import { sealSecrets, unsealSecrets } from './sealed-secrets.js';
import { adapterSettings, applyChanges, configFromInput, reachChanged, type ConnectionChanges, type ConnectionConfig, type CreateConnectionInput } from './settings.js';
import { deleteConnection, findConnection, insertConnection, listConnections, updateConnection, type Connection } from './store.js';

export const syncTemplatesJob = 'connections.sync_templates';

interface SyncPayload {
  connectionId: string;
  /** Who asked, so the sync is audited as theirs. */
  context: OperationContext;
}

export interface ConnectionServiceOptions {
  db: Db;
  secret: MasterSecret;
  clock: Clock;
}

/** An organisation's connections to Credly and Accredible. Credentials go in and never come out. */
export class ConnectionService {
  constructor(private readonly options: ConnectionServiceOptions) {}

  get #dataKey(): Buffer {
    return this.options.secret.key('data-encryption');
  }

  async create(context: OperationContext, input: CreateConnectionInput): Promise<Connection> {
    const config = configFromInput(input, this.options.clock.now());
    const id = newId('providerConnection');
    return inTransaction(this.options.db, async (tx) => {
      const connection = await insertConnection(tx, {
        id,
        organizationId: context.organizationId,
        provider: config.provider,
        name: input.name,
        settings: config.settings,
        sealedSecrets: sealSecrets(config.secrets, this.#dataKey, id),
      });
      await recordAudit(tx, context, { action: 'connection.created', target: { type: 'connection', id }, details: { provider: config.provider, name: input.name } });
      return connection;
    });
  }

  list(context: OperationContext, after: string | undefined, limit: number) {
    return listConnections(this.options.db, context.organizationId, after, limit);
  }

  async get(context: OperationContext, id: string): Promise<Connection> {
    const connection = await findConnection(this.options.db, context.organizationId, id);
    if (!connection) throw notFound('Connection');
    return connection;
  }

  /** A change of anything but the name may point the connection at another account: it counts as untested again. */
  async update(context: OperationContext, id: string, changes: ConnectionChanges): Promise<Connection> {
    return inTransaction(this.options.db, async (tx) => {
      const current = await findConnection(tx, context.organizationId, id);
      if (!current) throw notFound('Connection');
      const updated = reachChanged(changes) ? applyChanges(this.config(current), changes, this.options.clock.now()) : undefined;
      const connection = await updateConnection(
        tx,
        id,
        {
          name: changes.name,
          ...(updated && { settings: updated.settings, sealedSecrets: sealSecrets(updated.secrets, this.#dataKey, id), accountName: null, lastTestedAt: null }),
        },
        this.options.clock.now(),
      );
      // Field names only: the values may be credentials.
      const fields = Object.keys(changes).filter((field) => changes[field as keyof ConnectionChanges] !== undefined);
      await recordAudit(tx, context, { action: 'connection.updated', target: { type: 'connection', id }, details: { fields } });
      return connection;
    });
  }

  async delete(context: OperationContext, id: string): Promise<void> {
    await inTransaction(this.options.db, async (tx) => {
      const connection = await findConnection(tx, context.organizationId, id);
      if (!connection) throw notFound('Connection');
      const linked = await countBadgeClassesUsingConnection(tx, id);
      if (linked > 0) throw new AppError('conflict', `Connection ${id} is the issuing backend of ${linked} badge class(es); link them elsewhere first.`);
      await deleteConnection(tx, id);
      await recordAudit(tx, context, { action: 'connection.deleted', target: { type: 'connection', id }, details: { provider: connection.provider, name: connection.name } });
    });
  }

  /** Asks the provider who the credentials belong to and keeps the answer; a refusal is a 422 with the provider's reason. */
  async test(context: OperationContext, id: string): Promise<Connection> {
    const connection = await this.get(context, id);
    let accountName: string;
    try {
      accountName = (await this.adapter(connection).testConnection()).name;
    } catch (error) {
      throw providerFailureAsAppError(error);
    }
    return inTransaction(this.options.db, async (tx) => {
      if (!(await findConnection(tx, context.organizationId, id))) throw notFound('Connection');
      const now = this.options.clock.now();
      const tested = await updateConnection(tx, id, { accountName, lastTestedAt: now }, now);
      await recordAudit(tx, context, { action: 'connection.tested', target: { type: 'connection', id }, details: { accountName } });
      return tested;
    });
  }

  /**
   * Replaces a Credly authorization token with a new one, but only once Credly accepts the new
   * one: a typo never takes a working connection down.
   */
  async rotateToken(context: OperationContext, id: string, input: { authorizationToken: string; tokenIssuedAt?: string }): Promise<Connection> {
    const current = await this.get(context, id);
    if (current.provider !== 'credly') throw new AppError('conflict', `Connection ${id} is an Accredible connection; change its apiKey with PATCH instead.`);
    const now = this.options.clock.now();
    const rotated = applyChanges(this.config(current), input, now);
    let accountName: string;
    try {
      accountName = (await this.#adapterFor(rotated).testConnection()).name;
    } catch (error) {
      throw providerFailureAsAppError(error);
    }
    return inTransaction(this.options.db, async (tx) => {
      if (!(await findConnection(tx, context.organizationId, id))) throw notFound('Connection');
      const connection = await updateConnection(tx, id, { settings: rotated.settings, sealedSecrets: sealSecrets(rotated.secrets, this.#dataKey, id), accountName, lastTestedAt: now }, now);
      await recordAudit(tx, context, { action: 'connection.token_rotated', target: { type: 'connection', id }, details: { accountName } });
      return connection;
    });
  }

  /** Queues a template sync; the job's status (GET /api/v1/jobs/{id}) shows its progress and result. */
  async startSync(context: OperationContext, id: string): Promise<string> {
    return inTransaction(this.options.db, async (tx) => {
      if (!(await findConnection(tx, context.organizationId, id))) throw notFound('Connection');
      const jobId = await enqueue(tx, syncTemplatesJob, { connectionId: id, context } satisfies SyncPayload, { organizationId: context.organizationId });
      await recordAudit(tx, context, { action: 'connection.sync_requested', target: { type: 'connection', id }, details: { jobId } });
      return jobId;
    });
  }

  /**
   * The sync job: reads every page of the provider's templates, then replaces the stored ones in
   * one transaction. Provider errors keep their retry class (network and 5xx retry, refusals fail).
   */
  async syncTemplates(payload: unknown): Promise<void> {
    const { connectionId, context } = payload as SyncPayload;
    const connection = await findConnection(this.options.db, context.organizationId, connectionId);
    if (!connection) return;
    const listed: ProviderTemplate[] = [];
    for await (const template of this.adapter(connection).listTemplates()) listed.push(template);
    await inTransaction(this.options.db, async (tx) => {
      const now = this.options.clock.now();
      const counts = await replaceTemplates(tx, connectionId, listed, now);
      await updateConnection(tx, connectionId, { lastSyncedAt: now }, now);
      await recordAudit(tx, context, { action: 'connection.synced', target: { type: 'connection', id: connectionId }, details: { ...counts } });
    });
  }

  async templates(context: OperationContext, id: string): Promise<StoredTemplate[]> {
    await this.get(context, id);
    return listTemplates(this.options.db, id);
  }

  /** The stored settings with the credentials unsealed; stays inside the process. */
  config(connection: Connection): ConnectionConfig {
    return { provider: connection.provider, settings: connection.settings, secrets: unsealSecrets(connection.sealedSecrets, this.#dataKey, connection.id) } as ConnectionConfig;
  }

  adapter(connection: Connection): ProviderAdapter {
    return this.#adapterFor(this.config(connection));
  }

  #adapterFor(config: ConnectionConfig): ProviderAdapter {
    return createProviderAdapter(adapterSettings(config), { clock: this.options.clock });
  }
}
