import type { NormalizedEvent } from '../event.js';
import { openedxEventType } from './event-types.js';

/**
 * The openedx/event-bus-redis wire format: one Redis stream per topic, one entry per event, with
 * CloudEvents-style header fields and the payload as schemaless Avro binary in `event_data`.
 */
export const badgesTopic = 'learning-badges-lifecycle';

/** `{prefix}-{topic}`, or the bare topic without a prefix (upstream `EVENT_BUS_TOPIC_PREFIX`). */
export function streamName(topic: string, prefix?: string): string {
  return prefix ? `${prefix}-${topic}` : topic;
}

export interface WireHeaders {
  type: string;
  id: string;
  source: string;
  /** Python `datetime.isoformat()` of a UTC time, e.g. `2023-01-01T14:00:00+00:00`. */
  time: string;
  minorversion: string;
  sourcehost: string;
  sourcelib: string;
}

export type DecodedMessage =
  | { status: 'accepted'; streamId: string; headers: WireHeaders; event: NormalizedEvent }
  | { status: 'rejected'; streamId: string; reason: string; headers: Partial<WireHeaders> };

const headerNames = ['type', 'id', 'source', 'time', 'minorversion', 'sourcehost', 'sourcelib'] as const;

/** Python's `isoformat()` for a UTC instant: `+00:00` suffix, microseconds only when non-zero. */
export function pythonIsoTime(date: Date): string {
  const iso = date.toISOString();
  const millis = iso.slice(20, 23);
  return `${iso.slice(0, 19)}${millis === '000' ? '' : `.${millis}000`}+00:00`;
}

/** The XADD field/value list for one event (field order as upstream writes it). */
export function encodeMessage(headers: WireHeaders, payload: Record<string, unknown>): (string | Buffer)[] {
  const definition = openedxEventType(headers.type);
  if (!definition) throw new Error(`No Avro schema for event type ${headers.type}`);
  const eventData = definition.avro.toBuffer({ [definition.dataKey]: payload });
  return [...headerNames.flatMap((name) => [name, headers[name]]), 'event_data', eventData];
}

/** Entry ids are `<milliseconds>-<sequence>`: the time Redis stored the entry. */
function streamIdTime(streamId: string): string | undefined {
  const ms = Number(streamId.split('-')[0]);
  return Number.isFinite(ms) ? pythonIsoTime(new Date(ms)) : undefined;
}

/**
 * Decodes one stream entry (flat field/value buffers). Never throws: anything unusable becomes a
 * rejection with the reason, so the consumer can record it and keep the stream flowing. Missing
 * optional headers get defaults as upstream does, but deterministic ones (derived from the entry
 * id) so that a redelivered entry de-duplicates.
 */
export function decodeMessage(streamId: string, fields: readonly Buffer[] | null): DecodedMessage {
  const headers: Partial<WireHeaders> = {};
  if (!fields) return { status: 'rejected', streamId, reason: 'entry was deleted from the stream before it was read', headers };
  let eventData: Buffer | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]?.toString('utf8');
    const value = fields[i + 1];
    if (!value) continue;
    if (name === 'event_data') eventData = value;
    else if (name && (headerNames as readonly string[]).includes(name)) headers[name as keyof WireHeaders] = value.toString('utf8');
  }
  const reject = (reason: string): DecodedMessage => ({ status: 'rejected', streamId, reason, headers });
  if (!headers.type) return reject('missing header "type"');
  const definition = openedxEventType(headers.type);
  if (!definition) return reject(`unknown event type ${headers.type}`);
  if (!eventData) return reject('missing field "event_data"');
  let record: Record<string, unknown>;
  try {
    record = definition.avro.fromBuffer(eventData) as Record<string, unknown>;
  } catch (error) {
    return reject(`event_data is not valid Avro for ${headers.type}: ${(error as Error).message}`);
  }
  const payload = record[definition.dataKey] as Record<string, unknown>;
  const user = definition.userOf(payload);
  if (!user) return reject('payload names no user');
  const time = headers.time ?? streamIdTime(streamId);
  if (!time || Number.isNaN(Date.parse(time))) return reject(`invalid header "time": ${headers.time ?? ''}`);
  const complete: WireHeaders = {
    type: headers.type,
    id: headers.id ?? `redis:${streamId}`,
    source: headers.source ?? 'openedx/SERVICE_NAME_UNSET/web',
    time,
    minorversion: headers.minorversion ?? '0',
    sourcehost: headers.sourcehost ?? '',
    sourcelib: headers.sourcelib ?? '',
  };
  return {
    status: 'accepted',
    streamId,
    headers: complete,
    event: { id: complete.id, type: complete.type, time: complete.time, source: complete.source, user, data: payload },
  };
}
