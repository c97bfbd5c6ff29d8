import type { Redis } from 'ioredis';
import { openedxTypes } from './event-types.js';
import { encodeMessage, pythonIsoTime, type WireHeaders } from './wire.js';

/** openedx-events `BadgeData`, field for field (Avro record order). */
export interface BadgeData {
  /** The award's public id: stable across re-publications of the same award. */
  uuid: string;
  /** `id` is the LMS user id (Avro long, not nullable: learners without one cannot be published). */
  user: { id: number; is_active: boolean; pii: { username: string; email: string; name: string } };
  template: { uuid: string; origin: string; name: string | null; description: string | null; image_url: string | null };
}

export interface BadgeEventPublication {
  kind: 'awarded' | 'revoked';
  /** Event id (a UUID); reuse it when retrying so consumers can de-duplicate. */
  id: string;
  time: Date;
  badge: BadgeData;
}

export interface ProducerOptions {
  stream: string;
  /** CloudEvents source, upstream `openedx/<service>/web`. */
  source: string;
  sourcehost: string;
  sourcelib: string;
  /** Approximate cap on the stream length (`XADD MAXLEN ~`); upstream default 10,000. */
  maxLen?: number;
}

/**
 * Publishes a badge lifecycle event in the openedx/event-bus-redis format and resolves with the
 * stream entry id. Unlike upstream, failures reject, so the outbox job that calls this retries.
 */
export async function publishBadgeEvent(redis: Redis, options: ProducerOptions, event: BadgeEventPublication): Promise<string> {
  const headers: WireHeaders = {
    type: event.kind === 'awarded' ? openedxTypes.badgeAwarded : openedxTypes.badgeRevoked,
    id: event.id,
    source: options.source,
    time: pythonIsoTime(event.time),
    minorversion: '0',
    sourcehost: options.sourcehost,
    sourcelib: options.sourcelib,
  };
  const fields = encodeMessage(headers, event.badge as unknown as Record<string, unknown>);
  const entryId = await redis.xadd(options.stream, 'MAXLEN', '~', options.maxLen ?? 10_000, '*', ...fields);
  if (!entryId) throw new Error(`XADD to ${options.stream} returned no entry id`);
  return entryId;
}
