import { verifyCredential as dccVerifyCredential } from '@digitalcredentials/verifier-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCredential, createTestIssuer } from '../../test/support/credentials-fixtures.js';
import type { TestIssuer } from '../../test/support/credentials-fixtures.js';
import { pyldAvailable, verifyWithPyld } from '../../test/support/pyld.js';
import { bundledContexts } from './contexts.js';
import type { JsonObject } from './json.js';
import { ob3SchemaUrl } from './ob3-credential.js';
import achievementCredentialSchema from './schema/ob_v3p0_achievementcredential_schema.json' with { type: 'json' };

/**
 * Our credentials checked by code we did not write: DCC's verifier-core (a fork of the Digital
 * Bazaar stack, with its own did:web, status and schema handling) and PyLD + python3-cryptography
 * (another language's JSON-LD canonicaliser and Ed25519).
 */
describe('independent verifiers', async () => {
  const webIssuer = await createTestIssuer('https://badges.example.edu');
  const keyIssuer = await createTestIssuer('http://localhost:3000');
  const issued = await Promise.all(
    [webIssuer, keyIssuer].map(async (issuer) => ({ issuer, credential: await issuer.sign(buildCredential(issuer)) })),
  );
  const tamper = (credential: JsonObject): JsonObject => ({ ...credential, name: 'Forged badge' });

  describe('@digitalcredentials/verifier-core', () => {
    // verifier-core reads did:web documents, status lists and the credential schema with the
    // global fetch; serve them from memory, the way Laurel's own routes would.
    beforeAll(() => {
      vi.stubGlobal('fetch', (input: string | URL | Request) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const body = url === ob3SchemaUrl ? achievementCredentialSchema : publishedAt(url, [webIssuer, keyIssuer]);
        return Promise.resolve(
          body === undefined ? new Response('not found', { status: 404 }) : Response.json(body, { headers: { 'content-type': 'application/json' } }),
        );
      });
    });
    afterAll(() => {
      vi.unstubAllGlobals();
    });

    it('verifies our did:web and did:key credentials, including status', async () => {
      for (const { credential } of issued) {
        const result = await dccVerifyCredential({ credential: credential as never, knownDIDRegistries: [] });
        const log = Object.fromEntries((result.log ?? []).map((entry) => [entry.id, entry.valid]));
        expect(result.errors ?? []).toEqual([]);
        expect(log).toMatchObject({ valid_signature: true, expiration: true, revocation_status: true });
        const schemaChecks = result.additionalInformation?.find((entry) => entry.id === 'schema_check')?.results ?? [];
        expect(schemaChecks.length).toBeGreaterThan(0);
        expect(schemaChecks.every((check) => check.result.valid)).toBe(true);
      }
    });

    it('rejects a tampered credential and reports a revoked one', async () => {
      const { issuer, credential } = issued[0] as { issuer: TestIssuer; credential: JsonObject };
      const tampered = await dccVerifyCredential({ credential: tamper(credential) as never, knownDIDRegistries: [] });
      expect(tampered.errors?.[0]?.name).toBe('invalid_signature');
      issuer.statusList.set(42, true);
      await issuer.publishStatusList();
      try {
        const revoked = await dccVerifyCredential({ credential: credential as never, knownDIDRegistries: [] });
        expect(revoked.log?.find((entry) => entry.id === 'revocation_status')?.valid).toBe(false);
      } finally {
        issuer.statusList.set(42, false);
        await issuer.publishStatusList();
      }
    });
  });

  describe('PyLD + python3-cryptography', () => {
    it.skipIf(!pyldAvailable)('verifies our credentials and rejects tampered ones', () => {
      const credentials = [...issued.map(({ credential }) => credential), ...issued.map(({ credential }) => tamper(credential))];
      const documents = Object.fromEntries([...bundledContexts(), ...webIssuer.published, ...keyIssuer.published]);
      const { results, stderr } = verifyWithPyld(credentials, documents);
      expect(stderr).toBe('');
      expect(results.slice(0, 2)).toEqual(['VALID', 'VALID']);
      expect(results.slice(2)).toEqual(['INVALID: signature', 'INVALID: signature']);
    });
  });
});

/** What an issuer's public routes would answer: `/issuers/<id>/did.json` and status lists. */
function publishedAt(url: string, issuers: TestIssuer[]): JsonObject | undefined {
  for (const issuer of issuers) {
    if (issuer.did.documentUrl === url) return issuer.published.get(issuer.did.did);
    const document = issuer.published.get(url);
    if (document) return document;
  }
  return undefined;
}
