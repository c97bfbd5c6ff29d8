import { sql, type Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { AwardProviderStatus } from '../../awards/ports.js';
import type { AwardDeliveriesTable } from '../../db/schema.js';

/** What a provider holds (or is about to hold) for one award: the status an award shows, and whose it is. */
export interface Delivery extends AwardProviderStatus {
  awardId: string;
  organizationId: string;
}

const toDelivery = (row: Selectable<AwardDeliveriesTable>): Delivery => ({
  awardId: row.award_id,
  organizationId: row.organization_id,
  connectionId: row.connection_id,
  templateId: row.template_id,
  externalId: row.external_id,
  state: row.state,
  providerState: row.provider_state,
  url: row.url,
  error: row.error,
  attempts: row.attempts,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function insertDeliveries(tx: Db, deliveries: readonly Pick<Delivery, 'awardId' | 'organizationId' | 'connectionId' | 'templateId'>[]): Promise<void> {
  if (deliveries.length === 0) return;
  await tx
    .insertInto('award_deliveries')
    .values(deliveries.map((d) => ({ award_id: d.awardId, organization_id: d.organizationId, connection_id: d.connectionId, template_id: d.templateId, state: 'queued' as const })))
    .execute();
}

export async function findDelivery(db: Db, awardId: string): Promise<Delivery | undefined> {
  const row = await db.selectFrom('award_deliveries').selectAll().where('award_id', '=', awardId).executeTakeFirst();
  return row && toDelivery(row);
}

export async function deliveriesOf(db: Db, awardIds: readonly string[]): Promise<Map<string, Delivery>> {
  if (awardIds.length === 0) return new Map();
  const rows = await db.selectFrom('award_deliveries').selectAll().where('award_id', 'in', awardIds).execute();
  return new Map(rows.map((row) => [row.award_id, toDelivery(row)]));
}

export async function findDeliveryByExternalId(db: Db, connectionId: string, externalId: string): Promise<Delivery | undefined> {
  const row = await db.selectFrom('award_deliveries').selectAll().where('connection_id', '=', connectionId).where('external_id', '=', externalId).executeTakeFirst();
  return row && toDelivery(row);
}

/**
 * Takes the delivery for one attempt: only one worker talks to the provider about an award at a
 * time, and a worker that dies mid-call loses its claim when the lease runs out. The attempt is
 * counted (and committed) before the provider is called, so the next attempt knows to look for
 * what this one may have created.
 */
export async function claimDelivery(db: Db, awardId: string, now: Date, leaseMs: number): Promise<Delivery | undefined> {
  const row = await db
    .updateTable('award_deliveries')
    .set({ claimed_until: new Date(now.getTime() + leaseMs), attempts: sql`attempts + 1`, updated_at: now })
    .where('award_id', '=', awardId)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .returningAll()
    .executeTakeFirst();
  return row && toDelivery(row);
}

export type DeliveryChanges = Partial<Pick<Delivery, 'externalId' | 'state' | 'providerState' | 'url' | 'error'>>;

/** Records an attempt's outcome and gives the claim back. */
export async function settleDelivery(db: Db, awardId: string, changes: DeliveryChanges, now: Date): Promise<void> {
  await db
    .updateTable('award_deliveries')
    .set({
      external_id: changes.externalId,
      state: changes.state,
      provider_state: changes.providerState,
      url: changes.url,
      error: changes.error,
      claimed_until: null,
      updated_at: now,
    })
    .where('award_id', '=', awardId)
    .execute();
}

/** A state the provider reported on its own (webhook), for the delivery of that provider badge. */
export async function updateDeliveryState(db: Db, awardId: string, changes: Pick<Delivery, 'state' | 'providerState'> & { url?: string | null }, now: Date): Promise<void> {
  await db
    .updateTable('award_deliveries')
    .set({ state: changes.state, provider_state: changes.providerState, url: changes.url, updated_at: now })
    .where('award_id', '=', awardId)
    .execute();
}

/** Clears the last failure before a retry the user asked for. */
export async function resetDeliveryError(tx: Db, awardId: string, now: Date): Promise<void> {
  await tx
    .updateTable('award_deliveries')
    .set({ state: sql`case when state = 'error' then 'queued' else state end`, error: null, updated_at: now })
    .where('award_id', '=', awardId)
    .execute();
}
