import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { ApiClientsTable } from '../../db/schema.js';
import { newId } from '../../kernel/ids.js';
import type { Scope } from '../scopes.js';

export interface ApiClient {
  id: string;
  organizationId: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
  revokedAt: Date | null;
}

type ClientRow = Selectable<ApiClientsTable>;

const toClient = (row: ClientRow): ApiClient => ({
  id: row.id,
  organizationId: row.organization_id,
  name: row.name,
  scopes: row.scopes as Scope[],
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

export async function insertClient(tx: Db, organizationId: string, name: string, scopes: Scope[]): Promise<ApiClient> {
  const row = await tx
    .insertInto('api_clients')
    .values({ id: newId('client'), organization_id: organizationId, name, scopes })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toClient(row);
}

export async function insertSecret(tx: Db, clientId: string, secretHash: string): Promise<void> {
  await tx.insertInto('api_client_secrets').values({ id: newId('clientSecret'), client_id: clientId, secret_hash: secretHash }).execute();
}

/** Makes every secret of the client stop working at `at` at the latest (rotation, revocation). */
export async function expireSecretsBy(tx: Db, clientId: string, at: Date): Promise<void> {
  await tx
    .updateTable('api_client_secrets')
    .set({ expires_at: at })
    .where('client_id', '=', clientId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
    .execute();
}

export async function validSecretHashes(db: Db, clientId: string, at: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('api_client_secrets')
    .select('secret_hash')
    .where('client_id', '=', clientId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
    .execute();
  return rows.map((row) => row.secret_hash);
}

/** A client by id alone: only for authentication, where the organisation is not yet known. */
export async function findClientById(db: Db, id: string): Promise<ApiClient | undefined> {
  const row = await db.selectFrom('api_clients').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toClient(row);
}

export async function findClient(db: Db, organizationId: string, id: string): Promise<ApiClient | undefined> {
  const row = await db.selectFrom('api_clients').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
  return row && toClient(row);
}

export async function findClientByName(db: Db, organizationId: string, name: string): Promise<ApiClient | undefined> {
  const row = await db
    .selectFrom('api_clients')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .orderBy('id')
    .executeTakeFirst();
  return row && toClient(row);
}

export async function listClients(db: Db, organizationId: string, after: string | undefined, limit: number): Promise<{ items: ApiClient[]; nextCursor: string | null }> {
  let select = db.selectFrom('api_clients').selectAll().where('organization_id', '=', organizationId);
  if (after) select = select.where('id', '>', after);
  const rows = await select.orderBy('id').limit(limit + 1).execute();
  const items = rows.slice(0, limit).map(toClient);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

export async function markRevoked(tx: Db, clientId: string, at: Date): Promise<void> {
  await tx.updateTable('api_clients').set({ revoked_at: at }).where('id', '=', clientId).execute();
}
