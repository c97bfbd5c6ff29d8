import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { newId } from '../kernel/ids.js';
import { minimumStatusListLength } from '../credentials/status-list.js';

/**
 * Status-list slots: every award gets its own index in its issuer's revocation list at issue
 * time, never reused. Indexes are handed out by bumping `next_index` (a row lock serialises
 * concurrent issuers); a full list is left as it is and a new one opened.
 */

export interface StatusSlot {
  statusListId: string;
  index: number;
}

/**
 * Hands out an issuer's slots from blocks reserved in the database. Reserving takes the open
 * list's row lock until the reservation commits, so a reservation per award made concurrent awards
 * of one issuer queue for each other's commits; a block per `blockSize` awards does not. Slots of a
 * block still unused when the process ends are never handed out: a few clear bits in a list of
 * 131,072 cost nothing. Within one issuer, reservations run one at a time, so two awards never
 * reserve a block each when one would do.
 */
export class StatusSlotReserve {
  readonly #unused = new Map<string, StatusSlot[]>();
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: Db,
    private readonly blockSize = 64,
  ) {}

  take(issuerId: string, count: number): Promise<StatusSlot[]> {
    const reserve = async () => {
      let unused = this.#unused.get(issuerId) ?? [];
      if (unused.length < count) unused = [...unused, ...(await allocateStatusSlots(this.db, issuerId, Math.max(count - unused.length, this.blockSize)))];
      this.#unused.set(issuerId, unused.slice(count));
      return unused.slice(0, count);
    };
    const taken = (this.#queues.get(issuerId) ?? Promise.resolve()).then(reserve, reserve);
    this.#queues.set(issuerId, taken.catch(() => undefined));
    return taken;
  }
}

export interface PublishedStatusList {
  version: number;
  document: Record<string, unknown>;
}

export interface StoredStatusList {
  id: string;
  issuerId: string;
  length: number;
  setIndexes: number[];
  /** The last signed list credential and the revision it reflects (stale when below `credentialVersion`). */
  published: PublishedStatusList | null;
  credentialVersion: number;
  updatedAt: Date;
}

/** Reserves `count` consecutive slots for an issuer, in one statement when the open list has room. */
async function allocateStatusSlots(db: Db, issuerId: string, count: number): Promise<StatusSlot[]> {
  const slots: StatusSlot[] = [];
  while (slots.length < count) {
    const wanted = count - slots.length;
    const { rows } = await sql<{ id: string; first: number; end: number }>`
      with open_list as (
        select id, next_index, length from status_lists
         where issuer_id = ${issuerId} and purpose = 'revocation' and next_index < length
         order by id limit 1 for no key update)
      update status_lists
         set next_index = least(open_list.next_index + ${wanted}, open_list.length), updated_at = now()
        from open_list
       where status_lists.id = open_list.id
      returning status_lists.id, open_list.next_index as first, status_lists.next_index as end`.execute(db);
    const row = rows[0];
    if (!row) {
      await db.insertInto('status_lists').values({ id: newId('statusList'), issuer_id: issuerId, purpose: 'revocation', length: minimumStatusListLength }).execute();
      continue;
    }
    for (let index = Number(row.first); index < Number(row.end); index++) slots.push({ statusListId: row.id, index });
  }
  return slots;
}

/** Marks a slot revoked; the published list credential is re-signed by a job. */
export async function setStatusBit(tx: Db, statusListId: string, index: number): Promise<void> {
  await sql`
    update status_lists
       set set_indexes = array_append(set_indexes, ${index}::int), credential_version = credential_version + 1, updated_at = now()
     where id = ${statusListId} and not (${index}::int = any(set_indexes))`.execute(tx);
}

export async function findStatusList(db: Db, id: string): Promise<StoredStatusList | undefined> {
  const row = await db.selectFrom('status_lists').selectAll().where('id', '=', id).executeTakeFirst();
  return (
    row && {
      id: row.id,
      issuerId: row.issuer_id,
      length: row.length,
      setIndexes: row.set_indexes,
      published: row.credential,
      credentialVersion: row.credential_version,
      updatedAt: row.updated_at,
    }
  );
}

/** Stores a signed list credential, unless a newer revocation already superseded this version. */
export async function storeStatusListCredential(db: Db, id: string, published: PublishedStatusList): Promise<void> {
  await db
    .updateTable('status_lists')
    .set({ credential: JSON.stringify(published) })
    .where('id', '=', id)
    .where('credential_version', '=', published.version)
    .execute();
}
