import { describe, expect, it } from 'vitest';
import { BatchedLookup } from './batched-lookup.js';

/** A lookup over a fixed table that records every query it is asked to run. */
function tableLookup(table: Record<string, string>, maxKeys?: number) {
  const queries: string[][] = [];
  const lookup = new BatchedLookup<string, string>(async (keys) => {
    queries.push([...keys]);
    return new Map(keys.filter((key) => key in table).map((key) => [key, table[key]!]));
  }, maxKeys);
  return { lookup, queries };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchedLookup', () => {
  it('answers the reads of one turn with one query over their distinct keys', async () => {
    const { lookup, queries } = tableLookup({ a: 'A', b: 'B' });
    const results = await Promise.all([lookup.load('a'), lookup.load('b'), lookup.load('a'), lookup.load('missing')]);
    expect(results).toEqual(['A', 'B', 'A', undefined]);
    expect(queries).toEqual([['a', 'b', 'missing']]);
  });

  it('queries again for reads made in a later turn', async () => {
    const { lookup, queries } = tableLookup({ a: 'A' });
    expect(await lookup.load('a')).toBe('A');
    await nextTurn();
    expect(await lookup.load('a')).toBe('A');
    expect(queries).toEqual([['a'], ['a']]);
  });

  it('splits a busy turn into queries of at most maxKeys keys', async () => {
    const { lookup, queries } = tableLookup({ k1: '1', k5: '5' }, 2);
    const results = await Promise.all(['k1', 'k2', 'k3', 'k4', 'k5'].map((key) => lookup.load(key)));
    expect(results).toEqual(['1', undefined, undefined, undefined, '5']);
    expect(queries).toEqual([['k1', 'k2'], ['k3', 'k4'], ['k5']]);
  });

  it('rejects every read of a failed query, and only those', async () => {
    const lookup = new BatchedLookup<string, string>(async (keys) => {
      if (keys.includes('bad')) throw new Error('connection lost');
      return new Map(keys.map((key) => [key, key.toUpperCase()]));
    }, 1);
    const [bad, good] = await Promise.allSettled([lookup.load('bad'), lookup.load('good')]);
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'connection lost' } });
    expect(good).toEqual({ status: 'fulfilled', value: 'GOOD' });
  });

  it('rejects the reads when the query cannot even start', async () => {
    const lookup = new BatchedLookup<string, string>((() => {
      throw new Error('no pool');
    }) as never);
    await expect(lookup.load('a')).rejects.toThrow('no pool');
  });
});
