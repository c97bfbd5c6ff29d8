/**
 * Authenticated GET throughput against the real server: `laurel serve` on a fresh PostgreSQL
 * database in its own process, an API client from `laurel init`, and a load generator requesting
 * GET /api/v1/organization with a bearer token — wrk (Debian's `wrk`) when it is installed, as it
 * leaves more of a small machine to the server, else autocannon in this process. GET /healthz
 * (no authentication, no database) is measured the same way, as the ceiling of the HTTP stack.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { benchPostgresUrl, printResult } from './support.js';

const laurelBin = join(import.meta.dirname, '..', 'bin', 'laurel.js');
const durationSeconds = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const connections = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 64);
const wrkInstalled = spawnSync('wrk', ['--version']).error === undefined;

interface LoadResult {
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

/** wrk's summary: `Requests/sec:`, the latency distribution (`--latency`), non-2xx and socket errors. */
function parseWrk(output: string): LoadResult {
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? NaN);
  const milliseconds = (percentile: string) => {
    const match = new RegExp(`\\s${percentile}%\\s+([\\d.]+)(us|ms|s)`).exec(output);
    if (!match) return NaN;
    const factor = { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
    return Math.round(Number(match[1]) * factor * 100) / 100;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requestsPerSecond: Math.round(number(/Requests\/sec:\s+([\d.]+)/)),
    latencyMs: { p50: milliseconds('50'), p99: milliseconds('99') },
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/) || 0,
    errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<LoadResult> {
  if (wrkInstalled) {
    const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
    const run = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...headerArgs, url], { encoding: 'utf8' });
    return parseWrk(run.stdout);
  }
  const result = await autocannon({ url, headers, connections, duration: seconds });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function main(): Promise<void> {
  if (!benchPostgresUrl) return printResult({ skipped: 'set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server' });
  const name = `laurel_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: benchPostgresUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(benchPostgresUrl);
  url.pathname = `/${name}`;
  const port = 19000 + Math.floor(Math.random() * 1000);
  const env = {
    ...process.env,
    DATABASE_URL: url.toString(),
    LAUREL_SECRET: randomBytes(32).toString('hex'),
    LAUREL_PORT: String(port),
    LAUREL_HOST: '127.0.0.1',
    LAUREL_LOG_LEVEL: 'warn',
    LAUREL_RATE_LIMIT_CLIENT: '10000000',
  };
  execFileSync(process.execPath, [laurelBin, 'migrate'], { env });
  const init = JSON.parse(execFileSync(process.execPath, [laurelBin, 'init', '--org', 'Bench', '--admin-email', 'bench@example.org', '--json'], { env }).toString());
  const server = spawn(process.execPath, [laurelBin, 'serve'], { env, stdio: 'ignore' });
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300; i++) {
      if ((await fetch(`${base}/readyz`).then((r) => r.status, () => 0)) === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const token = (await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: init.client.client_id, client_secret: init.client.client_secret }),
    }).then((r) => r.json())) as { access_token: string };
    const url = `${base}/api/v1/organization`;
    const headers = { authorization: `Bearer ${token.access_token}` };
    await load(url, headers, 2); // warm-up
    const authenticated = await load(url, headers, durationSeconds);
    const health = await load(`${base}/healthz`, {}, durationSeconds);
    printResult({
      target: 'GET /api/v1/organization (bearer token, PostgreSQL)',
      ...authenticated,
      healthzRequestsPerSecond: health.requestsPerSecond,
      loadGenerator: wrkInstalled ? 'wrk' : 'autocannon',
      connections,
      durationSeconds,
    });
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.on('exit', resolve));
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

await main();
