import { describe, expect, it } from 'vitest';
import { backoffDelayMs, defaultBackoff } from './retry.js';

const policy = { baseMs: 1_000, maxMs: 60_000 };

describe('backoffDelayMs', () => {
  it('doubles the ceiling with every failed attempt', () => {
    const highest = (attempt: number) => backoffDelayMs(attempt, policy, () => 0.999_999);
    expect([1, 2, 3, 4].map(highest)).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('jitters within the upper half of the ceiling', () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(2_000);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(3_000);
    const samples = Array.from({ length: 200 }, () => backoffDelayMs(3, policy));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(2_000);
    expect(Math.max(...samples)).toBeLessThanOrEqual(4_000);
    expect(new Set(samples).size).toBeGreaterThan(50);
  });

  it('never exceeds the cap, even for absurd attempt counts', () => {
    expect(backoffDelayMs(7, policy, () => 0.999_999)).toBe(60_000);
    expect(backoffDelayMs(10_000, policy, () => 0.999_999)).toBe(60_000);
    expect(backoffDelayMs(10_000, policy, () => 0)).toBe(30_000);
  });

  it('treats attempt 0 or less like the first attempt', () => {
    expect(backoffDelayMs(0, policy, () => 0)).toBe(500);
    expect(backoffDelayMs(-3, policy, () => 0)).toBe(500);
  });

  it('retries for roughly an hour in total by default over 11 retries', () => {
    const total = (random: () => number) =>
      Array.from({ length: 11 }, (_, i) => backoffDelayMs(i + 1, defaultBackoff, random)).reduce((sum, ms) => sum + ms, 0);
    expect(total(() => 0) / 60_000).toBeGreaterThan(30);
    expect(total(() => 0.999_999) / 60_000).toBeLessThan(70);
  });
});
