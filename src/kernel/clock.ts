/** Time is injected so that expiry, backoff and token lifetimes can be tested deterministically. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
