/**
 * Authenticated GET throughput against the real server: `laurel serve` on a fresh PostgreSQL
 * database in its own process, an API client from `laurel init`, and autocannon (in this process)
 * requesting GET /api/v1/organization with a bearer token.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { benchPostgresUrl, printResult } from './support.js';

const laurelBin = join(import.meta.dirname, '..', 'bin', 'laurel.js');
const durationSeconds = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const connections = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 64);

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
    const request = { url: `${base}/api/v1/organization`, headers: { authorization: `Bearer ${token.access_token}` } };
    await autocannon({ ...request, connections, duration: 2 }); // warm-up
    const result = await autocannon({ ...request, connections, duration: durationSeconds });
    printResult({
      target: 'GET /api/v1/organization (bearer token, PostgreSQL)',
      requestsPerSecond: Math.round(result.requests.average),
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
      non2xx: result.non2xx,
      errors: result.errors,
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
