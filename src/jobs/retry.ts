/**
 * When to try a failed job again: exponential backoff with "equal jitter". The ceiling doubles
 * with every attempt up to a cap; the delay is drawn from the upper half of it, so retries still
 * grow steadily while jobs that failed together (a provider outage) spread out instead of
 * returning in one thundering herd.
 */
export interface BackoffPolicy {
  /** Ceiling of the delay after the first failed attempt. */
  baseMs: number;
  /** The ceiling never grows past this. */
  maxMs: number;
}

/** About an hour of retrying over 12 attempts before a job is declared failed. */
export const defaultBackoff: BackoffPolicy = { baseMs: 2_000, maxMs: 60 * 60_000 };

/**
 * Delay before the next try after `attempt` (1-based) attempts have failed. `random` returns a
 * number in [0, 1) and is injectable so tests can pin the jitter.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy = defaultBackoff, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
