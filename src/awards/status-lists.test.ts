import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { StatusSlotReserve } from './status-lists.js';

describeEachDatabase('status-list slots', (database) => {
  const issuer = async (id: string) => {
    const db = database();
    await db.insertInto('organizations').values({ id: `org_${id}`, name: `Slots ${id}` }).onConflict((oc) => oc.doNothing()).execute();
    await db.insertInto('issuers').values({ id, organization_id: `org_${id}`, did: `did:web:${id}.example`, name: id, url: `https://${id}.example` }).execute();
    return id;
  };
  const reserved = async (issuerId: string) =>
    (await database().selectFrom('status_lists').select('next_index').where('issuer_id', '=', issuerId).executeTakeFirstOrThrow()).next_index;
  const keys = (slots: { statusListId: string; index: number }[]) => slots.map((slot) => `${slot.statusListId}#${slot.index}`);

  it('hands out distinct slots to concurrent awards from one reserved block', async () => {
    const id = await issuer('iss_concurrent');
    const reserve = new StatusSlotReserve(database(), 8);
    const taken = await Promise.all(Array.from({ length: 6 }, () => reserve.take(id, 1)));
    expect(new Set(keys(taken.flat())).size).toBe(6);
    expect(taken.flat().map((slot) => slot.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await reserved(id)).toBe(8);
  });

  it('reserves beyond the block for a large batch, and a new process starts after what the last one reserved', async () => {
    const id = await issuer('iss_bulk');
    const first = new StatusSlotReserve(database(), 8);
    expect((await first.take(id, 3)).map((slot) => slot.index)).toEqual([0, 1, 2]);
    const bulk = await first.take(id, 20);
    expect(bulk.map((slot) => slot.index)).toEqual(Array.from({ length: 20 }, (_, n) => n + 3));
    expect(await reserved(id)).toBe(23);
    // Another process (or a restart) never reuses a reserved slot, used or not.
    const second = new StatusSlotReserve(database(), 8);
    expect((await second.take(id, 1)).map((slot) => slot.index)).toEqual([23]);
    expect((await first.take(id, 1)).map((slot) => slot.index)).toEqual([31]);
  });
});
