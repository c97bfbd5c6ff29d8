import { sign, verify } from 'node:crypto';
import { expect, it } from 'vitest';
import { IssuerService } from '../../src/catalog/issuers/service.js';
import { publicUrls } from '../../src/catalog/public-urls.js';
import { unsealKeyPair, type StoredKey } from '../../src/credentials/key-sealing.js';
import { ed25519PublicKeyObject, privateKeyObject } from '../../src/credentials/keys.js';
import { systemClock } from '../../src/kernel/clock.js';
import { MasterSecret } from '../../src/kernel/secrets.js';
import { describeEachApp, testSecret, type TestApp } from '../support/app.js';
import { pngImage, uploadImage } from '../support/catalog.js';

const didWebUrl = 'https://badges.example.edu';

async function setup(app: TestApp, name: string) {
  const org = await app.organization(name);
  const token = await app.token(org.client.client_id, org.client.client_secret!);
  return { org, token };
}

const issuerBody = { name: 'Faculty of Science', url: 'https://science.example.edu', email: 'badges@science.example.edu', description: 'Badges for lab skills.' };

describeEachApp(
  'catalog: did:web issuers',
  (app) => {
    const catalog = () => ({ issuers: new IssuerService({ db: app().database.db, secret: testSecret, publicUrl: didWebUrl, clock: systemClock, urls: publicUrls(didWebUrl) }) });

    it('publishes a DID document whose keys sign for the issuer, and keeps old keys after rotation', async () => {
      const { token } = await setup(app(), 'DID Web');
      const created = await app().call('POST', '/api/v1/issuers', { token, body: issuerBody });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const did = `did:web:badges.example.edu:issuers:${id}`;
      expect(created.body).toMatchObject({ did, name: issuerBody.name, urls: { profile: `${didWebUrl}/issuers/${id}`, didDocument: `${didWebUrl}/issuers/${id}/did.json` } });
      expect(created.body.keys.map((k: { algorithm: string; version: number; retiredAt: unknown }) => [k.algorithm, k.version, k.retiredAt])).toEqual([
        ['Ed25519', 1, null],
        ['P-256', 1, null],
      ]);

      const published = await app().call('GET', `/issuers/${id}/did.json`);
      expect(published.status).toBe(200);
      expect(published.headers.get('access-control-allow-origin')).toBe('*');
      const document = published.body;
      expect(document.id).toBe(did);
      expect(document['@context']).toEqual(['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1']);
      expect(document.verificationMethod).toHaveLength(2);
      for (const method of document.verificationMethod) {
        expect(method.controller).toBe(did);
        expect(method.id.startsWith(`${did}#`)).toBe(true);
      }
      // 1EdTech's resolver wants every method id listed as a string in assertionMethod.
      expect(document.assertionMethod).toEqual(document.verificationMethod.map((m: { id: string }) => m.id));
      expect(created.body.keys.map((k: { verificationMethod: string }) => k.verificationMethod)).toEqual(document.assertionMethod);

      // The signing material the awards capability gets matches what the world sees.
      const material = await catalog().issuers.signingMaterial(id);
      expect(material.identity).toEqual({ method: 'web', did });
      expect(material.profile).toMatchObject({ id: did, name: issuerBody.name, url: issuerBody.url });
      const message = Buffer.from('a credential');
      const edMethod = document.verificationMethod.find((m: { type: string }) => m.type === 'Multikey');
      expect(verify(null, message, ed25519PublicKeyObject(edMethod.publicKeyMultibase)!, sign(null, message, privateKeyObject(material.ed25519)))).toBe(true);
      expect(material.p256.publicKeyJwk).toEqual(document.verificationMethod.find((m: { type: string }) => m.type === 'JsonWebKey').publicKeyJwk);
      expect(await catalog().issuers.didDocumentOf(edMethod.id)).toEqual(document);

      const rotated = await app().call('POST', `/api/v1/issuers/${id}/keys/rotate`, { token, body: {} });
      expect(rotated.status).toBe(200);
      expect(rotated.body.did).toBe(did);
      expect(rotated.body.keys.map((k: { algorithm: string; version: number; retiredAt: unknown }) => [k.algorithm, k.version, k.retiredAt === null])).toEqual([
        ['Ed25519', 1, false],
        ['Ed25519', 2, true],
        ['P-256', 1, false],
        ['P-256', 2, true],
      ]);
      const after = (await app().call('GET', `/issuers/${id}/did.json`)).body;
      expect(after.verificationMethod).toHaveLength(4);
      expect(after.assertionMethod).toEqual(expect.arrayContaining(document.assertionMethod));
      const newMaterial = await catalog().issuers.signingMaterial(id);
      expect(newMaterial.ed25519.version).toBe(2);
      expect(newMaterial.ed25519.publicKeyMultibase).not.toBe(material.ed25519.publicKeyMultibase);
      expect(await catalog().issuers.publicKeys(id)).toHaveLength(4);
    });

    it('serves the OB 2.0 issuer Profile, as JSON-LD when asked', async () => {
      const { token } = await setup(app(), 'OB2 Profile');
      const image = await uploadImage(app(), token, pngImage(), 'image/png');
      const created = await app().call('POST', '/api/v1/issuers', { token, body: { ...issuerBody, imageId: image.body.id } });
      const id = created.body.id;
      const plain = await app().call('GET', `/issuers/${id}`);
      expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
      expect(plain.body).toEqual({
        '@context': 'https://w3id.org/openbadges/v2',
        type: 'Issuer',
        id: `${didWebUrl}/issuers/${id}`,
        name: issuerBody.name,
        url: issuerBody.url,
        email: issuerBody.email,
        description: issuerBody.description,
        image: `${didWebUrl}/images/${image.body.id}`,
      });
      const ld = await app().call('GET', `/issuers/${id}`, { headers: { accept: 'application/ld+json' } });
      expect(ld.headers.get('content-type')).toMatch(/^application\/ld\+json/);

      const patched = await app().call('PATCH', `/api/v1/issuers/${id}`, { token, body: { name: 'School of Science', email: null, imageId: null } });
      expect(patched.status).toBe(200);
      const profile = (await app().call('GET', `/issuers/${id}`)).body;
      expect(profile.name).toBe('School of Science');
      expect(profile).not.toHaveProperty('email');
      expect(profile).not.toHaveProperty('image');
    });
  },
  { LAUREL_PUBLIC_URL: didWebUrl },
);

describeEachApp('catalog: did:key issuers', (app) => {
  it('seals private keys under the master secret: the database holds no key in clear', async () => {
    const { token } = await setup(app(), 'Sealed Keys');
    const created = await app().call('POST', '/api/v1/issuers', { token, body: issuerBody });
    const rows = await app().database.db.selectFrom('issuer_keys').selectAll().where('issuer_id', '=', created.body.id).execute();
    expect(rows).toHaveLength(2);
    const dataKey = testSecret.key('data-encryption');
    for (const row of rows) {
      const stored = { ...(row.public_key as object), sealedPrivateKey: row.sealed_private_key } as StoredKey;
      const privateKey = Buffer.from(unsealKeyPair(stored, dataKey).privateKey);
      const everything = JSON.stringify(row);
      for (const encoding of ['base64url', 'base64', 'hex'] as const) expect(everything).not.toContain(privateKey.toString(encoding));
      expect(() => unsealKeyPair(stored, new MasterSecret('another-master-secret-of-at-least-32-chars').key('data-encryption'))).toThrow();
    }
  });

  it('uses did:key without a real public host, has no DID document, and moves the DID on rotation', async () => {
    const { token } = await setup(app(), 'DID Key');
    const created = await app().call('POST', '/api/v1/issuers', { token, body: issuerBody });
    expect(created.body.did).toMatch(/^did:key:z6Mk/);
    expect(created.body.urls.didDocument).toBeNull();
    const ed25519 = created.body.keys.find((k: { algorithm: string }) => k.algorithm === 'Ed25519');
    expect(ed25519.verificationMethod).toBe(`${created.body.did}#${created.body.did.slice('did:key:'.length)}`);
    expect((await app().call('GET', `/issuers/${created.body.id}/did.json`)).status).toBe(404);

    const rotated = await app().call('POST', `/api/v1/issuers/${created.body.id}/keys/rotate`, { token, body: {} });
    expect(rotated.body.did).toMatch(/^did:key:z6Mk/);
    expect(rotated.body.did).not.toBe(created.body.did);
    const current = rotated.body.keys.find((k: { algorithm: string; retiredAt: unknown }) => k.algorithm === 'Ed25519' && k.retiredAt === null);
    expect(current.verificationMethod.startsWith(`${rotated.body.did}#`)).toBe(true);
  });

  it('validates input, names fields, and keeps each organisation to itself', async () => {
    const a = await setup(app(), 'Issuers A');
    const b = await setup(app(), 'Issuers B');
    const imageB = await uploadImage(app(), b.token, pngImage(), 'image/png');
    const issuerB = await app().call('POST', '/api/v1/issuers', { token: b.token, body: issuerBody });

    const badUrl = await app().call('POST', '/api/v1/issuers', { token: a.token, body: { ...issuerBody, url: 'javascript:alert(1)' } });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.errors.map((e: { field: string }) => e.field)).toContain('body/url');
    const noName = await app().call('POST', '/api/v1/issuers', { token: a.token, body: { url: issuerBody.url } });
    expect(noName.body.errors).toEqual([{ field: 'body/name', message: expect.any(String) }]);

    const foreignImage = await app().call('POST', '/api/v1/issuers', { token: a.token, body: { ...issuerBody, imageId: imageB.body.id } });
    expect(foreignImage.status).toBe(422);
    expect(foreignImage.body.errors).toEqual([{ field: 'body/imageId', message: expect.stringContaining('no image') }]);

    for (const [method, path] of [
      ['GET', `/api/v1/issuers/${issuerB.body.id}`],
      ['PATCH', `/api/v1/issuers/${issuerB.body.id}`],
      ['POST', `/api/v1/issuers/${issuerB.body.id}/keys/rotate`],
    ] as const) {
      const response = await app().call(method, path, { token: a.token, body: method === 'GET' ? undefined : method === 'PATCH' ? { name: 'Mine now' } : {} });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    const own = await app().call('POST', '/api/v1/issuers', { token: a.token, body: issuerBody });
    const list = await app().call('GET', '/api/v1/issuers', { token: a.token });
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([own.body.id]);
    expect((await app().call('GET', `/api/v1/issuers/${issuerB.body.id}`, { token: b.token })).body.name).toBe(issuerBody.name);
  });
});
