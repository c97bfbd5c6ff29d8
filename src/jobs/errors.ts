/**
 * What a job handler throws to steer the worker. Any other error is treated as transient and
 * retried with backoff until the job runs out of attempts.
 */

/** The job can never succeed (a provider answered 4xx, the payload is invalid): fail it now. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** Try again after exactly `delayMs` (e.g. a provider's Retry-After); still counts as an attempt. */
export class RetryLaterError extends Error {
  constructor(
    readonly delayMs: number,
    message = `retry requested in ${delayMs} ms`,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetryLaterError';
  }
}
