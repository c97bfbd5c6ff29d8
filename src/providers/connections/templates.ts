import { sql, type Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { ProviderTemplatesTable } from '../../db/schema.js';
import { newId } from '../../kernel/ids.js';
import type { ProviderTemplate } from '../adapter.js';

export interface StoredTemplate {
  id: string;
  externalId: string;
  name: string;
  description: string | null;
  imageUrl: string | null;
  /** The provider's state, or `deleted` once the provider stopped listing it. */
  state: ProviderTemplatesTable['state'];
  updatedAt: Date;
}

const toTemplate = (row: Selectable<ProviderTemplatesTable>): StoredTemplate => ({
  id: row.id,
  externalId: row.external_id,
  name: row.name,
  description: row.description,
  imageUrl: row.image_url,
  state: row.state,
  updatedAt: row.updated_at,
});

export interface SyncCounts {
  listed: number;
  deleted: number;
}

/**
 * Makes one connection's stored templates match what the provider lists now: new and changed ones
 * are written, ones no longer listed become `deleted` (kept, so badge classes and awards linked to
 * them keep their history). Only this connection's rows are touched.
 */
export async function replaceTemplates(tx: Db, connectionId: string, listed: readonly ProviderTemplate[], at: Date): Promise<SyncCounts> {
  for (const template of listed) await upsertTemplate(tx, connectionId, template, at);
  const externalIds = listed.map((template) => template.externalId);
  const gone = await tx
    .updateTable('provider_templates')
    .set({ state: 'deleted', updated_at: at })
    .where('connection_id', '=', connectionId)
    .where('state', '!=', 'deleted')
    .where((eb) => (externalIds.length === 0 ? sql<boolean>`true` : eb.not(eb('external_id', 'in', externalIds))))
    .executeTakeFirst();
  return { listed: listed.length, deleted: Number(gone.numUpdatedRows) };
}

/** Stores a template as the provider describes it now (sync, or a webhook about one template). */
export async function upsertTemplate(tx: Db, connectionId: string, template: ProviderTemplate, at: Date): Promise<void> {
  const described = { name: template.name, description: template.description, image_url: template.imageUrl, state: template.state, updated_at: at };
  await tx
    .insertInto('provider_templates')
    .values({ id: newId('providerTemplate'), connection_id: connectionId, external_id: template.externalId, ...described })
    .onConflict((oc) => oc.columns(['connection_id', 'external_id']).doUpdateSet(described))
    .execute();
}

/** A template the provider deleted stays, as `deleted`, for the badge classes and awards that used it. */
export async function markTemplateDeleted(tx: Db, connectionId: string, externalId: string, at: Date): Promise<void> {
  await tx.updateTable('provider_templates').set({ state: 'deleted', updated_at: at }).where('connection_id', '=', connectionId).where('external_id', '=', externalId).execute();
}

export async function listTemplates(db: Db, connectionId: string): Promise<StoredTemplate[]> {
  const rows = await db.selectFrom('provider_templates').selectAll().where('connection_id', '=', connectionId).orderBy('name').orderBy('id').execute();
  return rows.map(toTemplate);
}

/** A connection's template by Laurel's id or by the provider's own id. */
export async function findTemplate(db: Db, connectionId: string, idOrExternalId: string): Promise<StoredTemplate | undefined> {
  const row = await db
    .selectFrom('provider_templates')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where((eb) => eb.or([eb('id', '=', idOrExternalId), eb('external_id', '=', idOrExternalId)]))
    .orderBy('id')
    .executeTakeFirst();
  return row && toTemplate(row);
}
