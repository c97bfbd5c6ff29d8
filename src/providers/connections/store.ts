import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { ProviderConnectionsTable } from '../../db/schema.js';
import type { ProviderName } from '../adapter.js';
import type { ConnectionSettings } from './settings.js';

/** A connection as stored; the credentials stay sealed until a provider call needs them. */
export interface Connection {
  id: string;
  organizationId: string;
  provider: ProviderName;
  name: string;
  settings: ConnectionSettings;
  sealedSecrets: string;
  /** The organisation (Credly) or issuer (Accredible) name the last successful test found. */
  accountName: string | null;
  lastTestedAt: Date | null;
  lastSyncedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const toConnection = (row: Selectable<ProviderConnectionsTable>): Connection => ({
  id: row.id,
  organizationId: row.organization_id,
  provider: row.provider,
  name: row.name,
  settings: row.settings as unknown as ConnectionSettings,
  sealedSecrets: row.sealed_secrets,
  accountName: row.account_name,
  lastTestedAt: row.last_tested_at,
  lastSyncedAt: row.last_synced_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function insertConnection(tx: Db, connection: Pick<Connection, 'id' | 'organizationId' | 'provider' | 'name' | 'settings' | 'sealedSecrets'>): Promise<Connection> {
  const row = await tx
    .insertInto('provider_connections')
    .values({
      id: connection.id,
      organization_id: connection.organizationId,
      provider: connection.provider,
      name: connection.name,
      settings: JSON.stringify(connection.settings),
      sealed_secrets: connection.sealedSecrets,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toConnection(row);
}

export async function findConnection(db: Db, organizationId: string, id: string): Promise<Connection | undefined> {
  const row = await db.selectFrom('provider_connections').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
  return row && toConnection(row);
}

export async function listConnections(db: Db, organizationId: string, after: string | undefined, limit: number): Promise<{ items: Connection[]; nextCursor: string | null }> {
  let select = db.selectFrom('provider_connections').selectAll().where('organization_id', '=', organizationId);
  if (after) select = select.where('id', '>', after);
  const rows = await select.orderBy('id').limit(limit + 1).execute();
  const items = rows.slice(0, limit).map(toConnection);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

export interface ConnectionUpdate {
  name?: string;
  settings?: ConnectionSettings;
  sealedSecrets?: string;
  accountName?: string | null;
  lastTestedAt?: Date | null;
  lastSyncedAt?: Date | null;
}

export async function updateConnection(tx: Db, id: string, changes: ConnectionUpdate, at: Date): Promise<Connection> {
  const row = await tx
    .updateTable('provider_connections')
    .set({
      name: changes.name,
      settings: changes.settings && JSON.stringify(changes.settings),
      sealed_secrets: changes.sealedSecrets,
      account_name: changes.accountName,
      last_tested_at: changes.lastTestedAt,
      last_synced_at: changes.lastSyncedAt,
      updated_at: at,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toConnection(row);
}

export async function deleteConnection(tx: Db, id: string): Promise<void> {
  await tx.deleteFrom('provider_connections').where('id', '=', id).execute();
}

/** A connection by id alone: webhooks name their connection in the URL, without a caller. */
export async function findConnectionById(db: Db, id: string): Promise<Connection | undefined> {
  const row = await db.selectFrom('provider_connections').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toConnection(row);
}
