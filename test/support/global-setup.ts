/**
 * Runs once before the suite: says loudly which real services the tests will use, and in CI
 * (CI=true) refuses to run without them so a green CI always means "tested against the real thing".
 */
import { ensureBuilt } from '../../scripts/build.mjs';

export default async function setup(): Promise<void> {
  // CLI tests run the real `laurel` command, which needs dist/; build it once, up front.
  await ensureBuilt();
  const missing: string[] = [];
  if (!process.env.TEST_DATABASE_URL) missing.push('TEST_DATABASE_URL (PostgreSQL)');
  if (!process.env.TEST_REDIS_URL) missing.push('TEST_REDIS_URL (Redis)');
  if (missing.length === 0) return;
  const message = `Not set: ${missing.join(', ')}. Tests that need them are SKIPPED (store tests still run on PGlite).`;
  if (process.env.CI === 'true') {
    throw new Error(`CI=true requires real services. ${message}`);
  }
  const bar = '!'.repeat(100);
  console.warn(`\n${bar}\n!! ${message}\n!! Run \`bash .ci/run\` for the full suite against real PostgreSQL and Redis.\n${bar}\n`);
}
