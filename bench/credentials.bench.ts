// Credential core throughput: Data Integrity issuance on the worker pool, VC-JWT signing,
// verification (proof + schema + rules + status; one thread and on the pool) and PNG baking of a
// 200 KB image.
import { availableParallelism } from 'node:os';
import { bakePng } from '../src/credentials/baking-png.js';
import { verificationMethodId } from '../src/credentials/identifiers.js';
import type { JsonObject } from '../src/credentials/json.js';
import { SigningPool } from '../src/credentials/signing-pool.js';
import { signVcJwt } from '../src/credentials/vc-jwt.js';
import { verifyCredential } from '../src/credentials/verification.js';
import { VerificationPool } from '../src/credentials/verification-pool.js';
import { buildCredential, createTestIssuer, jwtKey, makePng } from '../test/support/credentials-fixtures.js';
import { perSecond, printResult } from './support.js';

async function timed(count: number, run: (index: number) => Promise<unknown>, parallel: boolean): Promise<number> {
  const started = performance.now();
  if (parallel) await Promise.all(Array.from({ length: count }, (_, index) => run(index)));
  else for (let index = 0; index < count; index++) await run(index);
  return performance.now() - started;
}

const issuer = await createTestIssuer();
const key = { verificationMethod: verificationMethodId(issuer.did, issuer.ed25519), keyPair: issuer.ed25519 };
const credentials = Array.from({ length: 4000 }, () => buildCredential(issuer));

const workers = availableParallelism();
const pool = new SigningPool({ size: workers });
await timed(1000, (index) => pool.sign(credentials[index] as JsonObject, key, new Date()), true);
const poolCount = 3000;
const poolMs = await timed(poolCount, (index) => pool.sign(credentials[1000 + index] as JsonObject, key, new Date()), true);
await pool.close();

const singleCount = 500;
await timed(200, (index) => issuer.signer.sign(credentials[index] as JsonObject, key, new Date()), false);
const singleMs = await timed(singleCount, (index) => issuer.signer.sign(credentials[index] as JsonObject, key, new Date()), false);

const jwtCount = 10_000;
const jwtSigningKey = jwtKey(issuer);
await timed(1000, (index) => signVcJwt(credentials[index % credentials.length] as JsonObject, jwtSigningKey), false);
const jwtMs = await timed(jwtCount, (index) => signVcJwt(credentials[index % credentials.length] as JsonObject, jwtSigningKey), false);

const signed = await Promise.all(credentials.slice(0, 600).map((credential) => issuer.sign(credential)));
const options = { documentLoader: issuer.documentLoader };
await timed(100, (index) => verifyCredential(signed[index], options), false);
const verifyCount = 500;
const verifyMs = await timed(verifyCount, (index) => verifyCredential(signed[100 + index], options), false);
const verificationPool = new VerificationPool({ size: workers, resolveLocal: (url) => Promise.resolve(issuer.published.get(url)) });
await timed(200, (index) => verificationPool.verify(signed[index]), true);
const poolVerifyMs = await timed(verifyCount, (index) => verificationPool.verify(signed[100 + index]), true);
await verificationPool.close();

const png = makePng(200 * 1024);
const payload = { format: 'ob3' as const, text: JSON.stringify(signed[0]) };
for (let i = 0; i < 50; i++) bakePng(png, payload);
const bakeRuns = 200;
const bakeStarted = performance.now();
for (let i = 0; i < bakeRuns; i++) bakePng(png, payload);
const bakeMs = (performance.now() - bakeStarted) / bakeRuns;

printResult({
  di_issuance_per_s_pool: perSecond(poolCount, poolMs),
  di_pool_workers: workers,
  di_issuance_per_s_one_thread: perSecond(singleCount, singleMs),
  vc_jwt_per_s: perSecond(jwtCount, jwtMs),
  verify_di_per_s_one_thread: perSecond(verifyCount, verifyMs),
  verify_di_per_s_pool: perSecond(verifyCount, poolVerifyMs),
  png_bake_ms_200kb: Math.round(bakeMs * 1000) / 1000,
  png_bytes: png.length,
});
