/** Finds the rows of many keys at once; keys without a row are simply absent from the result. */
export type LoadMany<K, V> = (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>;

interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/**
 * Point reads of one kind made during the same turn of the event loop, answered by one query.
 * Under concurrent load many requests look up the same or similar rows at once; sending each its
 * own query costs a database round trip apiece, and on a busy server those round trips, not the
 * lookups, are the work. Every read made in a turn waits until the turn's I/O callbacks have run
 * (`setImmediate`), so the query starts after every request it answers arrived: nothing older
 * than a separate query would have seen is returned.
 *
 * Only for reads outside transactions: the query runs on the pool, not on a caller's connection.
 */
export class BatchedLookup<K, V> {
  #pending = new Map<K, Waiter<V>[]>();
  #scheduled = false;

  constructor(
    private readonly loadMany: LoadMany<K, V>,
    /** Keys per query at most; a busier turn sends several queries. */
    private readonly maxKeys = 500,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      const waiters = this.#pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const pending = [...this.#pending];
    this.#pending = new Map();
    this.#scheduled = false;
    for (let start = 0; start < pending.length; start += this.maxKeys) {
      const chunk = pending.slice(start, start + this.maxKeys);
      // Started inside a promise, so even a synchronous throw reaches the waiters, not the process.
      Promise.resolve(chunk.map(([key]) => key))
        .then((keys) => this.loadMany(keys))
        .then(
          (found) => {
            for (const [key, waiters] of chunk) for (const waiter of waiters) waiter.resolve(found.get(key));
          },
          (error: unknown) => {
            for (const [, waiters] of chunk) for (const waiter of waiters) waiter.reject(error);
          },
        );
    }
  }
}
