/** Thrown in a recording whose predecessor failed: it must not commit ahead of the predecessor's redelivery. */
export class EarlierRecordingFailedError extends Error {
  constructor(options?: ErrorOptions) {
    super('the recording of the batch before failed; this one is rolled back to be delivered again after it', options);
    this.name = 'EarlierRecordingFailedError';
  }
}

/** One recording's place in a `RecordingSequence`, as the recording transaction uses it. */
export interface RecordingTurn {
  /** Resolves once the recording before has locked its learners (or settled). */
  mayLock(): Promise<void>;
  /** This recording has locked its learners. */
  locked(): void;
  /** Resolves once the recording before succeeded; rejects (EarlierRecordingFailedError) if it failed. */
  mayCommit(): Promise<void>;
  /** This recording's transaction is over, committed or not. */
  settled(): void;
  /** A recording with nothing to write keeps its place: settles as the one before did. */
  pass(): Promise<void>;
}

/**
 * Keeps recordings that run at the same time in the order they were started, as the batches of a
 * stream need when the next is recorded while the one before still commits. Each recording locks
 * its learners' rows only after the one before locked its own, so a learner's events are recorded
 * and decided in stream order; and it commits only after the recording it was started behind
 * (`after`) succeeded, so a failed batch, delivered again later, is never overtaken by the batch
 * after it. Locks are taken in turn before any turn waits to commit, so the waits form no cycle.
 */
export class RecordingSequence {
  #lastLocked: Promise<void> = Promise.resolve();

  /** `after`: the recording of the batch before, when it is still under way. */
  next(after?: Promise<unknown>): RecordingTurn {
    const previousLocked = this.#lastLocked;
    let locked!: () => void;
    this.#lastLocked = new Promise<void>((resolve) => (locked = resolve));
    const mayCommit = async () => {
      try {
        await after;
      } catch (error) {
        throw new EarlierRecordingFailedError({ cause: error });
      }
    };
    return {
      mayLock: () => previousLocked,
      locked,
      mayCommit,
      // A recording that failed before locking must not hold up the next one's locks.
      settled: locked,
      pass: async () => {
        locked();
        await mayCommit();
      },
    };
  }
}
