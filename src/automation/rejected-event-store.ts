import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { RejectedEventsTable } from '../db/schema.js';
import { newId } from '../kernel/ids.js';

/** A bus message that could not be recorded, with what could be read of it and why. */
export interface RejectedMessage {
  stream: string;
  streamEntryId: string;
  type?: string;
  source?: string;
  /** The event id from its headers, when there was one. */
  externalId?: string;
  reason: string;
}

export interface RejectedEvent extends Required<Pick<RejectedMessage, 'stream' | 'streamEntryId' | 'reason'>> {
  id: string;
  type: string | null;
  source: string | null;
  externalId: string | null;
  receivedAt: Date;
}

const toRejectedEvent = (row: Selectable<RejectedEventsTable>): RejectedEvent => ({
  id: row.id,
  stream: row.stream,
  streamEntryId: row.stream_entry_id,
  type: row.type,
  source: row.source,
  externalId: row.external_id,
  reason: row.reason,
  receivedAt: row.received_at,
});

/** Stores rejections; a stream entry already stored (a redelivered batch) is skipped. Returns how many are new. */
export async function recordRejectedMessages(db: Db, organizationId: string, messages: readonly RejectedMessage[]): Promise<number> {
  if (messages.length === 0) return 0;
  const rows = await db
    .insertInto('rejected_events')
    .values(
      messages.map((m) => ({
        id: newId('rejectedEvent'),
        organization_id: organizationId,
        stream: m.stream,
        stream_entry_id: m.streamEntryId,
        type: m.type ?? null,
        source: m.source ?? null,
        external_id: m.externalId ?? null,
        reason: m.reason,
      })),
    )
    .onConflict((c) => c.columns(['organization_id', 'stream', 'stream_entry_id']).doNothing())
    .returning('id')
    .execute();
  return rows.length;
}

/** Newest first; `after` is the last id of the previous page. */
export async function listRejectedEvents(db: Db, organizationId: string, query: { after?: string; limit: number }): Promise<{ items: RejectedEvent[]; nextCursor: string | null }> {
  let select = db.selectFrom('rejected_events').selectAll().where('organization_id', '=', organizationId);
  if (query.after) select = select.where('id', '<', query.after);
  const rows = await select.orderBy('id', 'desc').limit(query.limit + 1).execute();
  const items = rows.slice(0, query.limit).map(toRejectedEvent);
  return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
}
