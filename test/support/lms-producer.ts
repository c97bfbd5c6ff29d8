import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { encodeMessage, pythonIsoTime } from '../../src/events/openedx/wire.js';

/** The CloudEvents source of what the LMS publishes. */
export const lmsSource = 'openedx/lms/web';

/** A learning event as edx-platform puts it on the bus. */
export interface LmsEvent {
  type: string;
  payload: Record<string, unknown>;
  /** Defaults to a fresh UUID, as upstream. */
  id?: string;
}

/** XADD field list of an event in the upstream wire format, sent by the LMS. */
export function lmsEntry(event: LmsEvent): (string | Buffer)[] {
  const headers = { type: event.type, id: event.id ?? randomUUID(), source: lmsSource, time: pythonIsoTime(new Date()), minorversion: '0', sourcehost: 'lms', sourcelib: '9.15.0' };
  return encodeMessage(headers, event.payload);
}

/** Appends events to the stream in one pipeline (no MAXLEN: a test's backlog must not be trimmed). Resolves to their entry ids. */
export async function produce(redis: Redis, stream: string, events: readonly LmsEvent[]): Promise<string[]> {
  const pipeline = redis.pipeline();
  for (const event of events) pipeline.xadd(stream, '*', ...lmsEntry(event));
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, id]) => {
    if (error) throw error;
    return id as string;
  });
}
