/**
 * Parsing of raw stream replies (requested as buffers because `event_data` is binary). Redis
 * answers XREADGROUP with `[[stream, entries]]` under RESP2 and, through ioredis's RESP3 "legacy"
 * mapping, with the flattened map `[stream, entries]`; both shapes are accepted.
 */
export interface StreamEntry {
  id: string;
  /** Flat field/value list; null when the entry was deleted (trimmed) while still pending. */
  fields: Buffer[] | null;
}

export function parseEntries(list: unknown): StreamEntry[] {
  if (!Array.isArray(list)) return [];
  const entries: StreamEntry[] = [];
  for (const item of list) {
    if (!Array.isArray(item) || !Buffer.isBuffer(item[0])) continue;
    const fields = Array.isArray(item[1]) ? (item[1] as Buffer[]) : null;
    entries.push({ id: item[0].toString('utf8'), fields });
  }
  return entries;
}

/** Entries of the single stream read by an XREADGROUP reply (null reply = nothing new). */
export function parseReadReply(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  if (Buffer.isBuffer(reply[0])) return parseEntries(reply[1]);
  const first: unknown = reply[0];
  return Array.isArray(first) ? parseEntries(first[1]) : [];
}

/** XAUTOCLAIM reply: `[nextCursor, entries, deletedIds?]`. */
export function parseAutoclaimReply(reply: unknown): { cursor: string; entries: StreamEntry[] } {
  if (!Array.isArray(reply) || !Buffer.isBuffer(reply[0])) return { cursor: '0-0', entries: [] };
  return { cursor: reply[0].toString('utf8'), entries: parseEntries(reply[1]) };
}
