import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachApp, startTestApp, type TestApp } from '../support/app.js';
import { describeWithRedis, redisUrl } from '../support/databases.js';

describeEachApp(
  'rate limits',
  (app) => {
    it('limits unauthenticated callers per IP with 429, Retry-After and a problem body', async () => {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 6; i++) {
        last = await app().call('GET', '/api/v1/organization');
        statuses.push(last.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      expect(last!.body.code).toBe('rate_limited');
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('never limits health probes', async () => {
      for (let i = 0; i < 10; i++) expect((await app().call('GET', '/healthz')).status).toBe(200);
    });
  },
  { LAUREL_RATE_LIMIT_IP: '5' },
);

describeEachApp(
  'rate limits per client',
  (app) => {
    it('limits each client separately from the IP and from other clients', async () => {
      const a = await app().organization('Limit A');
      const b = await app().organization('Limit B');
      const tokenA = await app().token(a.client.client_id, a.client.client_secret!);
      const tokenB = await app().token(b.client.client_id, b.client.client_secret!);
      const statusesA: number[] = [];
      for (let i = 0; i < 9; i++) statusesA.push((await app().call('GET', '/api/v1/organization', { token: tokenA })).status);
      expect(statusesA).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
      expect((await app().call('GET', '/api/v1/organization', { token: tokenB })).status).toBe(200);
    });
  },
  { LAUREL_RATE_LIMIT_CLIENT: '8' },
);

describeWithRedis('rate limits shared through Redis', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    const env = { LAUREL_RATE_LIMIT_IP: '4', LAUREL_REDIS_URL: redisUrl! };
    first = await startTestApp('pglite', env);
    second = await startTestApp('pglite', env);
    // Other runs may have left counters for 127.0.0.1 behind.
    const { Redis } = await import('ioredis');
    const redis = new Redis(redisUrl!);
    const keys = await redis.keys('fastify-rate-limit-*');
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
  });

  it('counts requests to two processes against one budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await first.call('GET', '/api/v1/organization')).status);
      statuses.push((await second.call('GET', '/api/v1/organization')).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });
});
