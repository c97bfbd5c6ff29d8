import { describe, expect, it } from 'vitest';
import { buildCredential, createTestIssuer, jwtKey, makePng } from '../../test/support/credentials-fixtures.js';
import { bakeImage } from './baking.js';
import { createDocumentLoader } from './document-loader.js';
import { signVcJwt } from './vc-jwt.js';
import { verifyCredential } from './verification.js';
import type { VerificationReport } from './verification.js';

function outcomes(report: VerificationReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((check) => [check.name, check.outcome]));
}

describe('verification report', async () => {
  const issuer = await createTestIssuer();
  const options = { documentLoader: issuer.documentLoader };

  it('passes every named check for a fresh credential, as JSON object, text and bytes', async () => {
    const signed = await issuer.sign(buildCredential(issuer));
    for (const input of [signed, JSON.stringify(signed), Buffer.from(JSON.stringify(signed))]) {
      const report = await verifyCredential(input, options);
      expect(outcomes(report)).toEqual({
        format: 'passed',
        schema: 'passed',
        structure: 'passed',
        proof: 'passed',
        status: 'passed',
        validity: 'passed',
        issuer: 'passed',
      });
      expect(report.verified).toBe(true);
    }
  });

  it('reports tampering, revocation and expiry by name', async () => {
    const signed = await issuer.sign(buildCredential(issuer, { status: { statusListCredential: issuer.statusListUrl, statusListIndex: 7 } }));
    const tampered = await verifyCredential({ ...signed, validFrom: '2020-01-01T00:00:00Z' }, options);
    expect(outcomes(tampered).proof).toBe('failed');
    expect(tampered.verified).toBe(false);

    issuer.statusList.set(7, true);
    await issuer.publishStatusList();
    const revoked = await verifyCredential(signed, options);
    expect(outcomes(revoked)).toMatchObject({ proof: 'passed', status: 'failed' });
    expect(revoked.checks.find((check) => check.name === 'status')?.reasons.join()).toContain('revoked');
    issuer.statusList.set(7, false);
    await issuer.publishStatusList();
    expect((await verifyCredential(signed, options)).verified).toBe(true);

    const expiring = await issuer.sign(buildCredential(issuer, { validUntil: new Date('2025-01-01T00:00:00Z') }));
    const expired = await verifyCredential(expiring, { ...options, now: () => new Date('2025-06-01T00:00:00Z') });
    expect(outcomes(expired)).toMatchObject({ proof: 'passed', validity: 'failed' });
    expect(expired.checks.find((check) => check.name === 'validity')?.reasons[0]).toContain('expired');
    const early = await verifyCredential(expiring, { ...options, now: () => new Date('2023-06-01T00:00:00Z') });
    expect(outcomes(early).validity).toBe('failed');
  });

  it('fails status when the list is missing or signed by someone else', async () => {
    const other = await createTestIssuer('http://localhost:3000');
    const signed = await issuer.sign(buildCredential(issuer));
    const foreignList = other.published.get(other.statusListUrl);
    const report = await verifyCredential(signed, {
      documentLoader: issuer.documentLoader,
      resolveStatusList: () => Promise.resolve(foreignList),
    });
    expect(outcomes(report).status).toBe('failed');
    const missing = await verifyCredential(signed, { documentLoader: issuer.documentLoader, resolveStatusList: () => Promise.reject(new Error('offline')) });
    expect(outcomes(missing).status).toBe('failed');
  });

  it('verifies VC-JWTs and baked PNG/SVG images', async () => {
    const credential = buildCredential(issuer);
    const jws = await signVcJwt(credential, jwtKey(issuer));
    const jwtReport = await verifyCredential(jws, options);
    expect(jwtReport).toMatchObject({ verified: true, format: 'vc-jwt' });
    const signed = await issuer.sign(credential);
    const png = bakeImage(makePng(4096), { format: 'ob3', text: JSON.stringify(signed) }).bytes;
    expect(await verifyCredential(png, options)).toMatchObject({ verified: true, format: 'png' });
    const svg = bakeImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), { format: 'ob3', text: jws }).bytes;
    expect(await verifyCredential(svg, options)).toMatchObject({ verified: true, format: 'svg' });
    const unbaked = await verifyCredential(makePng(1024), options);
    expect(unbaked.verified).toBe(false);
  });

  it("verifies another issuer's did:key credential with only bundled documents", async () => {
    const foreign = await createTestIssuer('http://localhost:3000');
    const signed = await foreign.sign(buildCredential(foreign, { status: undefined }));
    const report = await verifyCredential(signed, { documentLoader: createDocumentLoader() });
    expect(outcomes(report)).toMatchObject({ proof: 'passed', status: 'skipped', issuer: 'passed' });
    expect(report.verified).toBe(true);
  });

  it('never throws on garbage, wrong JSON or hostile graphs', async () => {
    const inputs: unknown[] = [
      Buffer.from([0, 1, 2, 3, 255]),
      '{"not": "a credential"',
      '[1,2,3]',
      { '@context': 'https://evil.example/context.json', proof: [{ type: 'DataIntegrityProof' }] },
      { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], proof: [{ verificationMethod: 'https://attacker.example/key' }] },
      42,
      null,
      'a.b.c',
      Buffer.from('<svg><openbadges:credential>'),
      poisonGraph(),
    ];
    for (const input of inputs) {
      const report = await verifyCredential(input, { ...options, timeoutMs: 2000 });
      expect(report.verified).toBe(false);
      expect(report.checks.some((check) => check.outcome === 'failed')).toBe(true);
    }
  });
});

/** Many mutually-linked blank nodes: the shape that makes naive RDF canonicalisation explode. */
function poisonGraph(): object {
  const nodes = Array.from({ length: 40 }, (_, index) => ({ '@id': `_:b${index}`, 'https://e.example/p': Array.from({ length: 40 }, (_, j) => ({ '@id': `_:b${j}` })) }));
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential'],
    issuer: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
    validFrom: '2024-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:x', '@included': nodes },
    proof: [{ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod', verificationMethod: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', proofValue: 'z1111' }],
  };
}
