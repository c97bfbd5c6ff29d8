import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachApp } from '../support/app.js';
import { pngImage, uploadImage } from '../support/catalog.js';

const hostileSvg = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100" onload="alert('load')">
  <script>alert('script')</script>
  <defs><linearGradient id="gold"><stop offset="0" stop-color="#fc0"/></linearGradient></defs>
  <foreignObject width="100" height="100"><div xmlns="http://www.w3.org/1999/xhtml">html inside</div></foreignObject>
  <circle id="medal" cx="50" cy="50" r="40" fill="url(#gold)" onclick="alert('click')" style="background:url(https://evil.example/track.png);stroke:#000"/>
  <use xlink:href="https://evil.example/sprite.svg#icon"/>
  <use xlink:href="#medal"/>
  <image href="https://evil.example/pixel.png" width="1" height="1"/>
  <a href="javascript:alert('link')"><text x="10" y="90">Gold</text></a>
</svg>`;

describeEachApp('catalog: images', (app) => {
  async function setup(name: string) {
    const org = await app().organization(name);
    return app().token(org.client.client_id, org.client.client_secret!);
  }

  it('stores a PNG and serves it publicly as immutable bytes with its hash as ETag', async () => {
    const token = await setup('Images PNG');
    const png = pngImage(3, 2);
    const uploaded = await uploadImage(app(), token, png, 'image/png');
    expect(uploaded.status).toBe(201);
    const sha256 = createHash('sha256').update(png).digest('hex');
    expect(uploaded.body).toEqual({ id: expect.stringMatching(/^img_/), contentType: 'image/png', url: `http://localhost:8080/images/${uploaded.body.id}`, sha256 });

    const served = await fetch(`${app().baseUrl}/images/${uploaded.body.id}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('etag')).toBe(`"${sha256}"`);
    expect(served.headers.get('cache-control')).toContain('immutable');
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);

    const revalidated = await fetch(`${app().baseUrl}/images/${uploaded.body.id}`, { headers: { 'if-none-match': `"${sha256}"` } });
    expect(revalidated.status).toBe(304);
    expect((await app().call('GET', '/images/img_01jd8x0000000000000000000')).status).toBe(404);
  });

  it('accepts one file of a multipart form and decides the type by content, not by file name', async () => {
    const token = await setup('Images Multipart');
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(pngImage())], { type: 'application/octet-stream' }), 'badge.svg');
    const response = await fetch(`${app().baseUrl}/api/v1/images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { contentType: string }).contentType).toBe('image/png');

    const empty = new FormData();
    empty.append('note', 'no file here');
    const noFile = await fetch(`${app().baseUrl}/api/v1/images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: empty });
    expect(noFile.status).toBe(422);
  });

  it('sanitises SVG: no scripts, handlers, foreignObject or external references survive', async () => {
    const token = await setup('Images SVG');
    const uploaded = await uploadImage(app(), token, Buffer.from(hostileSvg), 'image/svg+xml');
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.contentType).toBe('image/svg+xml');

    const served = await fetch(`${app().baseUrl}/images/${uploaded.body.id}`);
    expect(served.headers.get('content-type')).toBe('image/svg+xml');
    expect(served.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    const svg = await served.text();
    expect(createHash('sha256').update(svg).digest('hex')).toBe(uploaded.body.sha256);
    for (const banned of ['<script', 'alert', 'onload', 'onclick', 'foreignObject', 'html inside', 'evil.example', 'javascript:']) {
      expect(svg, banned).not.toContain(banned);
    }
    // What a badge needs stays: the drawing, internal references and safe styles.
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('viewBox="0 0 100 100"');
    expect(svg).toContain('fill="url(#gold)"');
    expect(svg).toContain('xlink:href="#medal"');
    expect(svg).toContain('stroke:#000');
    expect(svg).toContain('>Gold</text>');
  });

  it('refuses a body over 2 MB with 413, raw or multipart', async () => {
    const token = await setup('Images Oversize');
    const big = Buffer.concat([pngImage(), Buffer.alloc(2 * 1024 * 1024)]);
    const raw = await uploadImage(app(), token, big, 'image/png');
    expect(raw.status).toBe(413);
    expect(raw.body.code).toBe('payload_too_large');

    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(big)], { type: 'image/png' }), 'big.png');
    const multipart = await fetch(`${app().baseUrl}/api/v1/images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(multipart.status).toBe(413);
    expect(((await multipart.json()) as { code: string }).code).toBe('payload_too_large');
  });

  it('refuses mislabelled, broken and foreign content with a reason', async () => {
    const token = await setup('Images Refused');
    const cases: [Buffer, string, RegExp][] = [
      [pngImage(), 'image/svg+xml', /declared as image\/svg\+xml but its content is a PNG/],
      [Buffer.from(hostileSvg), 'image/png', /declared as image\/png but its content is an SVG/],
      [Buffer.from('GIF89a not what you think'), 'image/png', /neither a PNG nor an SVG/],
      [pngImage().subarray(0, 20), 'image/png', /PNG header \(IHDR\) is complete/],
      [Buffer.concat([pngImage().subarray(0, 29), Buffer.alloc(4)]), 'image/png', /checksum/],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>'), 'image/svg+xml', /not well-formed XML/],
      [Buffer.from('<html><body>hi</body></html>'), 'image/svg+xml', /root element is <html>/],
    ];
    for (const [bytes, type, reason] of cases) {
      const response = await uploadImage(app(), token, bytes, type);
      expect(response.status, reason.source).toBe(422);
      expect(response.body.code).toBe('unprocessable');
      expect(response.body.detail).toMatch(reason);
    }
    const jpeg = await uploadImage(app(), token, Buffer.from([0xff, 0xd8, 0xff]), 'image/jpeg');
    expect(jpeg.status).toBe(415);
    const json = await app().call('POST', '/api/v1/images', { token, body: { image: 'x' } });
    expect(json.status).toBe(415);
  });

  it('needs the badges:write scope', async () => {
    const org = await app().organization('Images Reader');
    const token = await app().token(org.client.client_id, org.client.client_secret!, 'badges:read');
    const response = await uploadImage(app(), token, pngImage(), 'image/png');
    expect(response.status).toBe(403);
  });
});
