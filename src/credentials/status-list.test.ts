import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { minimumStatusListLength, StatusList } from './status-list.js';

describe('StatusList', () => {
  it('is at least 131,072 entries and encodes an empty list compactly', () => {
    const list = new StatusList();
    expect(list.length).toBe(minimumStatusListLength);
    expect(list.encode()).toMatch(/^u[\w-]+$/);
    expect(list.encode().length).toBeLessThan(200);
    expect(() => new StatusList(1024)).toThrow(RangeError);
  });

  it('sets and clears bits, most significant bit first', () => {
    const list = new StatusList();
    list.set(0, true);
    list.set(131_071, true);
    list.set(9, true);
    list.set(9, false);
    const decoded = StatusList.decode(list.encode());
    expect([0, 9, 131_071, 5].map((index) => decoded.isSet(index))).toEqual([true, false, true, false]);
    expect(gzipSync(Buffer.from([0x80])).length).toBeGreaterThan(0);
    expect(() => decoded.isSet(131_072)).toThrow(RangeError);
  });

  it('refuses malformed and oversized encodings', () => {
    expect(() => StatusList.decode('zabc')).toThrow();
    expect(() => StatusList.decode('u' + Buffer.from('not gzip').toString('base64url'))).toThrow();
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024));
    expect(() => StatusList.decode('u' + bomb.toString('base64url'))).toThrow();
  });
});
