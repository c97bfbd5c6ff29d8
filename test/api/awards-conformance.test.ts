import { verifyCredential as dccVerifyCredential } from '@digitalcredentials/verifier-core';
import { afterEach, expect, it, vi } from 'vitest';
import { bundledContexts } from '../../src/credentials/contexts.js';
import { ob3SchemaUrl } from '../../src/credentials/ob3-credential.js';
import achievementCredentialSchema from '../../src/credentials/schema/ob_v3p0_achievementcredential_schema.json' with { type: 'json' };
import { describeEachApp, type TestApp } from '../support/app.js';
import { setUpIssuing } from '../support/issuing.js';
import { pyldAvailable, verifyWithPyld } from '../support/pyld.js';

/**
 * Credentials issued through the API, checked by code we did not write: DCC's verifier-core
 * (fetching our did.json and status lists from the running server) and PyLD with
 * python3-cryptography (another language's JSON-LD canonicaliser and Ed25519).
 */
const publicUrl = 'https://badges.example.edu';

/** verifier-core uses the global fetch: answer our public URLs from the running server. */
function serveFrom(app: TestApp): void {
  const realFetch = globalThis.fetch;
  vi.stubGlobal('fetch', (input: string | URL | Request) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url === ob3SchemaUrl) return Promise.resolve(Response.json(achievementCredentialSchema));
    if (url.startsWith(publicUrl)) return realFetch(`${app.baseUrl}${url.slice(publicUrl.length)}`);
    return Promise.resolve(new Response('not found', { status: 404 }));
  });
}

async function issue(app: TestApp, token: string, badgeClassId: string, email: string) {
  const award = await app.call('POST', '/api/v1/awards', { token, body: { badgeClassId, recipient: { email }, evidence: [{ id: 'https://evidence.example.org/1', name: 'Project' }] } });
  const credential = await app.call('GET', `/awards/${award.body.id}/credential`);
  return { award: award.body, credential: credential.body };
}

describeEachApp(
  'API-issued credentials pass independent verifiers',
  (app) => {
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    it('verifier-core verifies them, reports revocation and rejects tampering', async () => {
      const setup = await setUpIssuing(app(), 'Conformance DCC', { alignments: [{ targetName: 'Statistics', targetUrl: 'https://framework.example.org/stats' }], tags: ['data'] });
      const { award, credential } = await issue(app(), setup.token, setup.badgeClassId, 'learner@example.org');
      serveFrom(app());
      const result = await dccVerifyCredential({ credential, knownDIDRegistries: [] });
      const log = Object.fromEntries((result.log ?? []).map((entry) => [entry.id, entry.valid]));
      expect(result.errors ?? []).toEqual([]);
      expect(log).toMatchObject({ valid_signature: true, expiration: true, revocation_status: true });
      const tampered = await dccVerifyCredential({ credential: { ...credential, name: 'Forged' }, knownDIDRegistries: [] });
      expect(tampered.errors?.[0]?.name).toBe('invalid_signature');
      vi.unstubAllGlobals();
      await app().call('POST', `/api/v1/awards/${award.id}/revoke`, { token: setup.token, body: { reason: 'test' } });
      serveFrom(app());
      const revoked = await dccVerifyCredential({ credential, knownDIDRegistries: [] });
      expect(revoked.log?.find((entry) => entry.id === 'revocation_status')?.valid).toBe(false);
    });

    it.skipIf(!pyldAvailable)('PyLD + python3-cryptography verify them and reject tampering', async () => {
      const setup = await setUpIssuing(app(), 'Conformance PyLD');
      const { credential } = await issue(app(), setup.token, setup.badgeClassId, 'other@example.org');
      const didDocument = (await app().call('GET', `/issuers/${setup.issuerId}/did.json`)).body;
      const documents = Object.fromEntries([...bundledContexts(), [didDocument.id, didDocument]]);
      const credentials = [credential, { ...credential, description: 'Forged' }];
      const { results, stderr } = verifyWithPyld(credentials, documents);
      expect(stderr).toBe('');
      expect(results).toEqual(['VALID', 'INVALID: signature']);
    });
  },
  { LAUREL_PUBLIC_URL: publicUrl },
);
