import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** Identifies a learner or an event of the organisation: its source and the id it has there. */
export const sourceKey = (source: string, externalId: string) => `${source}\u0000${externalId}`;

/**
 * Ids of an organisation's learners or events (those that exist) by `sourceKey`. One index
 * probe per key, whatever the organisation's size: a plain `IN`/`= any()` filter is a linear scan
 * per row under the generic plans of prepared statements, and a join gets planned as a scan of
 * the whole organisation.
 */
export async function idsBySourceKey(
  db: Db,
  table: 'learners' | 'learning_events',
  organizationId: string,
  keys: readonly { source: string; externalId: string }[],
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const { rows } = await sql<{ id: string; source: string; external_id: string }>`
    select row.id, key.source, key.external_id
    from unnest(${keys.map((k) => k.source)}::text[], ${keys.map((k) => k.externalId)}::text[]) as key(source, external_id)
    cross join lateral (
      select id from ${sql.table(table)} t
      where t.organization_id = ${organizationId} and t.source = key.source and t.external_id = key.external_id
      limit 1) row`.execute(db);
  return new Map(rows.map((row) => [sourceKey(row.source, row.external_id), row.id]));
}
