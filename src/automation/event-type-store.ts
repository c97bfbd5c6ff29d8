import { sql, type Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { EventTypesTable } from '../db/schema.js';

/** An event type an organisation registered, as stored. */
export interface StoredEventType {
  type: string;
  description: string;
  schema: Record<string, unknown>;
  createdAt: Date;
}

const toEventType = (row: Selectable<EventTypesTable>): StoredEventType => ({
  type: row.type,
  description: row.description,
  schema: row.schema,
  createdAt: row.created_at,
});

/** Stores a new type; undefined when the organisation already has one of that name. */
export async function insertEventType(tx: Db, organizationId: string, eventType: Omit<StoredEventType, 'createdAt'>): Promise<StoredEventType | undefined> {
  const inserted = await tx
    .insertInto('event_types')
    .values({ organization_id: organizationId, type: eventType.type, description: eventType.description, schema: JSON.stringify(eventType.schema) })
    .onConflict((c) => c.columns(['organization_id', 'type']).doNothing())
    .returningAll()
    .executeTakeFirst();
  return inserted && toEventType(inserted);
}

export async function listEventTypes(db: Db, organizationId: string): Promise<StoredEventType[]> {
  const rows = await db.selectFrom('event_types').selectAll().where('organization_id', '=', organizationId).orderBy('type').execute();
  return rows.map(toEventType);
}

export async function findEventType(db: Db, organizationId: string, type: string): Promise<StoredEventType | undefined> {
  const row = await db.selectFrom('event_types').selectAll().where('organization_id', '=', organizationId).where('type', '=', type).executeTakeFirst();
  return row && toEventType(row);
}

export async function deleteEventType(tx: Db, organizationId: string, type: string): Promise<boolean> {
  const result = await tx.deleteFrom('event_types').where('organization_id', '=', organizationId).where('type', '=', type).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Identifies the organisation's registered types as they are now (one small query): types are
 * never edited, only registered and deleted, so names and creation times say it all.
 */
export async function eventTypesFingerprint(db: Db, organizationId: string): Promise<string> {
  const row = await db
    .selectFrom('event_types')
    .select(sql<string | null>`md5(string_agg(type || '@' || created_at::text, ',' order by type))`.as('fingerprint'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return row?.fingerprint ?? 'none';
}
