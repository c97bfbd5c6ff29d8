import { deflateSync } from 'node:zlib';
import { pngChunk as chunk } from './png.js';
import type { TestApp, TestResponse } from './app.js';


/** A real, viewable RGB PNG of the given size (one flat colour). */
export function pngImage(width = 2, height = 2): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.of(0), Buffer.alloc(width * 3, 0x7f)]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

/** Uploads image bytes as the request body with the given declared type. */
export function uploadImage(app: TestApp, token: string, bytes: Uint8Array, contentType: string): Promise<TestResponse> {
  return app.call('POST', '/api/v1/images', { token, body: bytes, headers: { 'content-type': contentType } });
}

/** An organisation with an all-scopes token, an uploaded PNG and an issuer: the usual starting point. */
export async function catalogOrganization(app: TestApp, name: string) {
  const org = await app.organization(name);
  const token = await app.token(org.client.client_id, org.client.client_secret!);
  const image = await uploadImage(app, token, pngImage(), 'image/png');
  if (image.status !== 201) throw new Error(`image upload failed: ${image.text}`);
  const issuer = await app.call('POST', '/api/v1/issuers', { token, body: { name: `${name} Academy`, url: 'https://academy.example.org', email: 'badges@academy.example.org' } });
  if (issuer.status !== 201) throw new Error(`issuer creation failed: ${issuer.text}`);
  return { org, token, imageId: image.body.id as string, issuerId: issuer.body.id as string };
}
