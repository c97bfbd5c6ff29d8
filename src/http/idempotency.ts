import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import type { Clock } from '../kernel/clock.js';
import { AppError } from '../kernel/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { principal: string; key: string } | null;
  }
}

/** Stored responses are replayed for this long; afterwards a key may be used afresh. */
export const idempotencyWindowSeconds = 24 * 60 * 60;

const keyPattern = /^[\x21-\x7e]{1,255}$/;
const replayedHeaders = ['content-type', 'location'];

/**
 * The request as the key compares it. Bytes — a raw upload, or a parsed form's file — count by
 * their own hash, wherever they are in the body (JSON would spell them out number by number).
 */
function requestHash(request: FastifyRequest): string {
  const body = JSON.stringify(request.body ?? null, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return Buffer.isBuffer(raw) ? `sha256:${createHash('sha256').update(raw).digest('hex')}` : value;
  });
  return createHash('sha256').update(`${request.method} ${request.url}\n${body}`).digest('hex');
}

/**
 * `Idempotency-Key` on authenticated POSTs: the first request reserves the key, its response is
 * stored before it is sent, and a repeat within 24 h gets the stored response. The same key with a
 * different request is refused (422); a repeat while the first is still running gets 409.
 * Server errors release the key so the client can retry.
 */
export function registerIdempotency(app: FastifyInstance, db: Db, clock: Clock): void {
  app.decorateRequest('idempotency', null);

  // Attached to POST routes only, so reads pay nothing for it. Route-level hooks run after the
  // application's, so the caller is already authenticated when the key is reserved.
  app.addHook('onRoute', (route) => {
    if (![route.method].flat().includes('POST')) return;
    route.preHandler = [...[route.preHandler ?? []].flat(), reserve];
    route.onSend = [...[route.onSend ?? []].flat(), store];
  });

  async function reserve(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const key = request.headers['idempotency-key'];
    if (key === undefined || !request.principal) return;
    if (typeof key !== 'string' || !keyPattern.test(key)) {
      throw new AppError('bad_request', 'Idempotency-Key must be 1–255 visible ASCII characters.');
    }
    const principal = `${request.principal.type}:${request.principal.id}`;
    const hash = requestHash(request);
    const now = clock.now();
    const windowStart = new Date(now.getTime() - idempotencyWindowSeconds * 1000);
    // A key older than the window is forgotten, then the reservation is attempted.
    await db.deleteFrom('idempotency_keys').where('principal', '=', principal).where('key', '=', key).where('created_at', '<', windowStart).execute();
    const reserved = await db
      .insertInto('idempotency_keys')
      .values({ principal, key, request_hash: hash, state: 'pending', created_at: now })
      .onConflict((oc) => oc.columns(['principal', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(reserved.numInsertedOrUpdatedRows ?? 0) === 1) {
      request.idempotency = { principal, key };
      return;
    }
    const existing = await db.selectFrom('idempotency_keys').selectAll().where('principal', '=', principal).where('key', '=', key).executeTakeFirst();
    if (!existing) throw new AppError('idempotency_in_progress', 'The request with this Idempotency-Key just finished with an error; retry.');
    if (existing.request_hash !== hash) {
      throw new AppError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request.');
    }
    if (existing.state === 'pending') {
      throw new AppError('idempotency_in_progress', 'A request with this Idempotency-Key is still being processed.');
    }
    return replay(reply, existing.response_status ?? 200, existing.response_headers ?? {}, existing.response_body ?? '');
  }

  async function store(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const reservation = request.idempotency;
    if (!reservation) return payload;
    const where = db.updateTable('idempotency_keys').where('principal', '=', reservation.principal).where('key', '=', reservation.key);
    if (reply.statusCode >= 500 || (typeof payload !== 'string' && !Buffer.isBuffer(payload) && payload !== null && payload !== undefined)) {
      // Server errors (and streamed bodies, which cannot be stored) are not replayed.
      await db.deleteFrom('idempotency_keys').where('principal', '=', reservation.principal).where('key', '=', reservation.key).execute();
      return payload;
    }
    const headers: Record<string, string> = {};
    for (const name of replayedHeaders) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    await where
      .set({
        state: 'done',
        response_status: reply.statusCode,
        response_headers: JSON.stringify(headers),
        response_body: payload === null || payload === undefined ? '' : payload.toString(),
      })
      .execute();
    return payload;
  }
}

function replay(reply: FastifyReply, status: number, headers: Record<string, string>, body: string): FastifyReply {
  return reply.status(status).headers({ ...headers, 'idempotent-replayed': 'true' }).send(body);
}

export async function pruneIdempotencyKeys(db: Db, now: Date): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('created_at', '<', new Date(now.getTime() - idempotencyWindowSeconds * 1000)).execute();
}
