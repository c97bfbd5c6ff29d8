import type { Redis } from 'ioredis';
import { parseAutoclaimReply, parseReadReply, type StreamEntry } from './stream-replies.js';
import { decodeMessage, type DecodedMessage } from './wire.js';

export interface BusConsumerOptions {
  /**
   * A connection for acknowledgements, and to copy settings from: the consumer reads on its own
   * (it blocks on reads) and closes that on stop.
   */
  redis: Redis;
  stream: string;
  /** One group per service: consumers of a group share the stream, each entry goes to one of them. */
  group: string;
  /** Unique within the group and stable across restarts of the same worker (e.g. host + slot). */
  consumer: string;
  /**
   * Durably records a batch (accepted and rejected messages alike). Entries are acknowledged only
   * after it resolves; if it rejects, the batch is delivered again. Must be idempotent by event or
   * entry id, because a batch can be delivered more than once (at-least-once). The next batch is
   * handed over while the ones before are still being recorded (`batchesInFlight` at most): calls
   * come in stream order, with `previous`, the recording of the batch before while it is under
   * way. A recorder that needs the order must keep it, and fail when `previous` fails rather than
   * overtake it (the failed entries are delivered again once everything in flight settled).
   */
  record: (batch: DecodedMessage[], previous: Promise<unknown> | undefined) => Promise<unknown>;
  batchSize?: number;
  /** Batches handed to `record` and not yet settled, at most (1: one after the other). */
  batchesInFlight?: number;
  blockMs?: number;
  /** Pending entries of other consumers idle this long are taken over (the owner is presumed dead). */
  claimIdleMs?: number;
  /** Pause after a failed batch or a Redis error before trying again. */
  retryDelayMs?: number;
  /** Where a newly created group starts: `0` processes everything the stream still holds. */
  startId?: string;
  onError?: (error: unknown) => void;
  /** Called on the first successful read after failures, with how many turns failed in a row. */
  onRecovered?: (failures: number) => void;
}

export interface ConsumerStats {
  batches: number;
  acknowledged: number;
  claimed: number;
  failures: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A Redis Streams consumer for the Open edX event bus. Order of work in each turn: this consumer's
 * own unacknowledged entries first (after a start or a failure), then — every `claimIdleMs / 2` —
 * entries abandoned by dead consumers (XAUTOCLAIM), then new entries (XREADGROUP `>`).
 */
export class BusConsumer {
  readonly stats: ConsumerStats = { batches: 0, acknowledged: 0, claimed: 0, failures: 0 };
  readonly #options: Required<Omit<BusConsumerOptions, 'onError' | 'onRecovered'>> & Pick<BusConsumerOptions, 'onError' | 'onRecovered'>;
  #connection: Redis | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #reading = false;
  #groupReady = false;
  #failuresInARow = 0;
  /**
   * While this consumer re-reads its own unacknowledged entries (after a start or a failure): the
   * id after which to read on. Entries handed over may still be in flight, unacknowledged.
   */
  #ownPendingAfter: string | undefined = '0';
  #claimCursor = '0-0';
  #nextClaimAt = 0;

  constructor(options: BusConsumerOptions) {
    this.#options = {
      batchSize: 100,
      batchesInFlight: 2,
      blockMs: 2_000,
      claimIdleMs: 60_000,
      retryDelayMs: 1_000,
      startId: '0',
      ...options,
    };
  }

  /**
   * Starts consuming in the background, creating the group first if needed. Redis being away does
   * not make it fail: like every later failure, that is reported through `onError` and retried.
   */
  async start(): Promise<void> {
    if (this.#loop) throw new Error('consumer already started');
    this.#connection = this.#options.redis.duplicate();
    // Connection trouble surfaces as failed reads, which the loop retries; not as crashes.
    this.#connection.on('error', () => undefined);
    this.#loop = this.#run();
  }

  /** Finishes the batch in hand (recorded and acknowledged), then closes the connection. */
  async stop(): Promise<void> {
    this.#stopping = true;
    // A blocked read holds no work; cutting the connection ends it at once. Entries it may have
    // been handed stay pending and are re-read on restart or claimed by another consumer.
    if (this.#reading) this.#connection?.disconnect();
    await this.#loop;
    if (this.#connection?.status !== 'end') await this.#connection?.quit().catch(() => undefined);
  }

  get #redis(): Redis {
    if (!this.#connection) throw new Error('consumer not started');
    return this.#connection;
  }

  async #ensureGroup(): Promise<void> {
    try {
      await this.#redis.xgroup('CREATE', this.#options.stream, this.#options.group, this.#options.startId, 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
    }
  }

  async #run(): Promise<void> {
    // Batches being recorded while the next is read, oldest first: reading and decoding overlap
    // their transactions, and each is handed the one before it.
    const inFlight: Promise<void>[] = [];
    while (!this.#stopping) {
      try {
        if (!this.#groupReady) await this.#ensureGroup();
        this.#groupReady = true;
        const entries = await this.#nextEntries();
        if (entries.length > 0) {
          const handled = this.#handle(entries, inFlight.at(-1));
          // Heard when awaited below; until then a failure must not count as unhandled.
          handled.catch(() => undefined);
          inFlight.push(handled);
        }
        // Room for the next batch; when nothing new came, whatever is in flight finishes.
        while (inFlight.length >= (entries.length > 0 ? this.#options.batchesInFlight : 1)) await inFlight.shift();
        if (this.#failuresInARow > 0) this.#options.onRecovered?.(this.#failuresInARow);
        this.#failuresInARow = 0;
      } catch (error) {
        // Whatever else is in flight settles first: its entries are re-read with the failed ones.
        await Promise.allSettled(inFlight.splice(0));
        if (this.#stopping) break;
        this.stats.failures += 1;
        this.#failuresInARow += 1;
        this.#options.onError?.(error);
        this.#ownPendingAfter = '0';
        // Redis restarted without persistence: the stream and group are gone.
        if (String((error as Error).message).includes('NOGROUP')) this.#groupReady = false;
        await sleep(this.#options.retryDelayMs);
      }
    }
    for (const outcome of await Promise.allSettled(inFlight)) if (outcome.status === 'rejected') this.#options.onError?.(outcome.reason);
  }

  async #nextEntries(): Promise<StreamEntry[]> {
    const { stream, group, consumer, batchSize, blockMs, claimIdleMs } = this.#options;
    if (this.#ownPendingAfter !== undefined) {
      const own = parseReadReply(
        await this.#redis.callBuffer('XREADGROUP', 'GROUP', group, consumer, 'COUNT', batchSize, 'STREAMS', stream, this.#ownPendingAfter),
      );
      if (own.length > 0) {
        this.#ownPendingAfter = own.at(-1)!.id;
        return own;
      }
      this.#ownPendingAfter = undefined;
    }
    if (Date.now() >= this.#nextClaimAt) {
      const { cursor, entries } = parseAutoclaimReply(
        await this.#redis.callBuffer('XAUTOCLAIM', stream, group, consumer, claimIdleMs, this.#claimCursor, 'COUNT', batchSize),
      );
      this.#claimCursor = cursor;
      // A full pass over the pending list is done when the cursor wraps to 0-0.
      if (cursor === '0-0') this.#nextClaimAt = Date.now() + claimIdleMs / 2;
      if (entries.length > 0) {
        this.stats.claimed += entries.length;
        return entries;
      }
    }
    if (this.#stopping) return [];
    this.#reading = true;
    try {
      return parseReadReply(
        await this.#redis.callBuffer('XREADGROUP', 'GROUP', group, consumer, 'COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', stream, '>'),
      );
    } finally {
      this.#reading = false;
    }
  }

  async #handle(entries: StreamEntry[], previous: Promise<void> | undefined): Promise<void> {
    const batch = entries.map((entry) => decodeMessage(entry.id, entry.fields));
    await this.#options.record(batch, previous);
    // On the shared connection: this consumer's own may be blocked in the next read meanwhile.
    await this.#options.redis.xack(this.#options.stream, this.#options.group, ...entries.map((entry) => entry.id));
    this.stats.batches += 1;
    this.stats.acknowledged += entries.length;
  }
}
