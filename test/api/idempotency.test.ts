import { expect, it } from 'vitest';
import { describeEachApp } from '../support/app.js';
import { pngImage } from '../support/catalog.js';

describeEachApp('Idempotency-Key on POST', (app) => {
  it('replays the stored response for the same key and body, without doing the work twice', async () => {
    const org = await app().organization('Idem Org');
    const token = await app().token(org.client.client_id, org.client.client_secret!);
    const request = { token, body: { name: 'bulk importer', scopes: ['awards:write'] }, headers: { 'idempotency-key': 'create-importer-1' } };
    const first = await app().call('POST', '/api/v1/clients', request);
    const second = await app().call('POST', '/api/v1/clients', request);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    const list = await app().call('GET', '/api/v1/clients', { token });
    expect(list.body.items.filter((c: { name: string }) => c.name === 'bulk importer')).toHaveLength(1);
  });

  it('refuses the same key with another body (422) and keys are per caller', async () => {
    const org = await app().organization('Idem Org 2');
    const token = await app().token(org.client.client_id, org.client.client_secret!);
    const headers = { 'idempotency-key': 'k-1' };
    await app().call('POST', '/api/v1/clients', { token, body: { name: 'one', scopes: ['badges:read'] }, headers });
    const other = await app().call('POST', '/api/v1/clients', { token, body: { name: 'two', scopes: ['badges:read'] }, headers });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');

    const otherOrg = await app().organization('Idem Org 3');
    const otherToken = await app().token(otherOrg.client.client_id, otherOrg.client.client_secret!);
    const elsewhere = await app().call('POST', '/api/v1/clients', { token: otherToken, body: { name: 'two', scopes: ['badges:read'] }, headers });
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.headers.get('idempotent-replayed')).toBeNull();
  });

  it('compares an uploaded form by its file: another file is refused, the same file in a new form replayed', async () => {
    const org = await app().organization('Idem Org Upload');
    const token = await app().token(org.client.client_id, org.client.client_secret!);
    const upload = (image: Buffer) => {
      // Every FormData body gets a boundary of its own, as a client's retry would.
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'badge.png');
      return fetch(`${app().baseUrl}/api/v1/images`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'upload-1' }, body: form });
    };
    const first = await upload(pngImage(2, 2));
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as { id: string };

    const again = await upload(pngImage(2, 2));
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(firstBody.id);

    const otherFile = await upload(pngImage(3, 3));
    expect(otherFile.status).toBe(422);
    expect(((await otherFile.json()) as { code: string }).code).toBe('idempotency_key_reused');

    // A raw upload (the image as the body) counts by its bytes just the same.
    const raw = (image: Buffer) => app().call('POST', '/api/v1/images', { token, body: image, headers: { 'content-type': 'image/png', 'idempotency-key': 'upload-raw' } });
    const rawFirst = await raw(pngImage(4, 4));
    expect(rawFirst.status).toBe(201);
    expect((await raw(pngImage(4, 4))).headers.get('idempotent-replayed')).toBe('true');
    expect((await raw(pngImage(5, 5))).status).toBe(422);
  });

  it('replays validation failures too, and rejects malformed keys', async () => {
    const org = await app().organization('Idem Org 4');
    const token = await app().token(org.client.client_id, org.client.client_secret!);
    const bad = await app().call('POST', '/api/v1/clients', { token, body: { name: 'x', scopes: [] }, headers: { 'idempotency-key': 'bad-1' } });
    expect(bad.status).toBe(400);
    const again = await app().call('POST', '/api/v1/clients', { token, body: { name: 'x', scopes: [] }, headers: { 'idempotency-key': 'bad-1' } });
    expect(again.status).toBe(400);
    const tooLong = await app().call('POST', '/api/v1/clients', { token, body: { name: 'x', scopes: ['admin'] }, headers: { 'idempotency-key': 'k'.repeat(300) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.code).toBe('bad_request');
  });
});
