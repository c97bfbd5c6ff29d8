import type { Db } from '../db/database.js';
import type { OperationContext } from '../auth/principal.js';
import { newId } from '../kernel/ids.js';

export interface AuditEvent {
  id: string;
  organizationId: string | null;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string; id: string } | null;
  details: Record<string, unknown>;
  requestId: string | null;
  createdAt: Date;
}

export interface AuditEntry {
  /** Verb in the form `resource.action`, e.g. `client.created`. */
  action: string;
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
}

/**
 * Writes one audit row. Call it with the same transaction as the change it records, so a change
 * and its audit trail commit together or not at all.
 */
export async function recordAudit(tx: Db, context: OperationContext, entry: AuditEntry): Promise<void> {
  await tx
    .insertInto('audit_events')
    .values({
      id: newId('audit'),
      organization_id: context.organizationId,
      actor_type: context.actor.type,
      actor_id: context.actor.id,
      action: entry.action,
      target_type: entry.target?.type ?? null,
      target_id: entry.target?.id ?? null,
      details: JSON.stringify(entry.details ?? {}),
      request_id: context.requestId,
    })
    .execute();
}

export interface AuditQuery {
  action?: string;
  targetId?: string;
  after?: string;
  limit: number;
}

export async function listAuditEvents(db: Db, organizationId: string, query: AuditQuery): Promise<{ items: AuditEvent[]; nextCursor: string | null }> {
  let select = db.selectFrom('audit_events').selectAll().where('organization_id', '=', organizationId);
  if (query.action) select = select.where('action', '=', query.action);
  if (query.targetId) select = select.where('target_id', '=', query.targetId);
  // Newest first; ids are time-ordered so the cursor is simply the last id seen.
  if (query.after) select = select.where('id', '<', query.after);
  const rows = await select.orderBy('id', 'desc').limit(query.limit + 1).execute();
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((row) => ({
      id: row.id,
      organizationId: row.organization_id,
      actor: { type: row.actor_type, id: row.actor_id },
      action: row.action,
      target: row.target_type && row.target_id ? { type: row.target_type, id: row.target_id } : null,
      details: row.details,
      requestId: row.request_id,
      createdAt: row.created_at,
    })),
    nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/**
 * What the operator's command line recorded `action` on under each of `requestIds` (used as
 * correlation ids), by request id: how a repeated command finds what an earlier run created.
 */
export async function cliTargetsByRequestId(db: Db, organizationId: string, action: string, requestIds: readonly string[]): Promise<Map<string, string>> {
  if (requestIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('audit_events')
    .select(['request_id', 'target_id'])
    .where('organization_id', '=', organizationId)
    .where('actor_type', '=', 'cli')
    .where('action', '=', action)
    .where('request_id', 'in', requestIds)
    .where('target_id', 'is not', null)
    // Oldest last, so that it wins should two runs ever have raced.
    .orderBy('id', 'desc')
    .execute();
  return new Map(rows.map((row) => [row.request_id!, row.target_id!]));
}
