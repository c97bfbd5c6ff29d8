/**
 * Shared helpers for benchmarks. A benchmark measures against PostgreSQL when BENCH_DATABASE_URL
 * (or TEST_DATABASE_URL) is set, and always against PGlite, and prints one JSON object.
 */
export const benchPostgresUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;

export function printResult(result: Record<string, unknown>): void {
  console.log(JSON.stringify(result));
}

export function perSecond(count: number, milliseconds: number): number {
  return Math.round((count / milliseconds) * 1000);
}
