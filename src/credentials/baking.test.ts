import { describe, expect, it } from 'vitest';
import { makePng } from '../../test/support/credentials-fixtures.js';
import { bakeImage, detectImageKind, extractFromImage } from './baking.js';
import { bakePng, extractFromPng } from './baking-png.js';
import { bakeSvg, extractFromSvg } from './baking-svg.js';

const credentialJson = JSON.stringify({ id: 'urn:uuid:1', name: 'Tricky ]]> </openbadges:credential> & "ünïcode"' });
const jws = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl';
const svg = `<?xml version="1.0"?>\n<!-- a > comment -->\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" data-x="a>b"><rect width="10" height="10"/></svg>`;

function chunkTypes(png: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 8; offset < png.length; offset += 12 + png.readUInt32BE(offset)) types.push(png.toString('latin1', offset + 4, offset + 8));
  return types;
}

describe('PNG baking', () => {
  const png = makePng();

  it('adds one iTXt chunk before IEND and keeps every other byte', () => {
    const baked = bakePng(png, { format: 'ob3', text: credentialJson });
    expect(chunkTypes(baked)).toEqual(['IHDR', 'tEXt', 'IDAT', 'iTXt', 'IEND']);
    expect(baked.subarray(0, png.length - 12).equals(png.subarray(0, png.length - 12))).toBe(true);
    expect(baked.subarray(png.length - 12).includes(Buffer.from('openbadgecredential\0\0\0\0\0', 'latin1'))).toBe(true);
    expect(extractFromPng(baked)).toEqual({ format: 'ob3', text: credentialJson });
  });

  it('replaces on re-bake and keeps OB 2.0 and OB 3.0 keywords apart', () => {
    const once = bakePng(png, { format: 'ob3', text: credentialJson });
    const twice = bakePng(once, { format: 'ob3', text: jws });
    expect(chunkTypes(twice).filter((type) => type === 'iTXt')).toHaveLength(1);
    expect(extractFromPng(twice)).toEqual({ format: 'ob3', text: jws });
    expect(bakePng(once, { format: 'ob3', text: credentialJson }).equals(once)).toBe(true);
    const ob2 = bakePng(png, { format: 'ob2', text: '{"id":"https://x/a/1"}' });
    expect(extractFromPng(ob2)).toEqual({ format: 'ob2', text: '{"id":"https://x/a/1"}' });
  });

  it('refuses corrupt images instead of baking them further', () => {
    const corrupt = Buffer.from(png);
    corrupt[40] = (corrupt[40] as number) ^ 0xff;
    expect(() => bakePng(corrupt, { format: 'ob3', text: '{}' })).toThrow(/CRC/);
    expect(() => bakePng(png.subarray(0, 100), { format: 'ob3', text: '{}' })).toThrow();
    expect(() => extractFromImage(Buffer.from('GIF89a'))).toThrow();
    expect(extractFromPng(png)).toBeUndefined();
  });

  it('bakes a 200 KB PNG in well under 5 ms', () => {
    const text = JSON.stringify({ padding: 'x'.repeat(4000) });
    for (let i = 0; i < 20; i++) bakePng(png, { format: 'ob3', text });
    const started = performance.now();
    for (let i = 0; i < 50; i++) bakePng(png, { format: 'ob3', text });
    expect((performance.now() - started) / 50).toBeLessThan(5);
  });
});

describe('SVG baking', () => {
  it('bakes signed JSON in CDATA after the root tag with the OB 3.0 namespace', () => {
    const baked = bakeSvg(svg, { format: 'ob3', text: credentialJson });
    expect(baked).toContain('xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"');
    expect(baked).toMatch(/data-x="a>b" xmlns:openbadges="[^"]+"><openbadges:credential><!\[CDATA\[/);
    expect(baked).toContain(']]]]><![CDATA[>');
    expect(extractFromSvg(baked)).toEqual({ format: 'ob3', text: credentialJson });
  });

  it('bakes a VC-JWT as a verify attribute and replaces on re-bake', () => {
    const once = bakeSvg(svg, { format: 'ob3', text: credentialJson });
    const twice = bakeSvg(once, { format: 'ob3', text: jws });
    expect(twice.match(/<openbadges:credential/g)).toHaveLength(1);
    expect(twice.match(/xmlns:openbadges=/g)).toHaveLength(1);
    expect(twice).toContain(`<openbadges:credential verify="${jws}"/>`);
    expect(extractFromSvg(twice)).toEqual({ format: 'ob3', text: jws });
    expect(bakeSvg(once, { format: 'ob3', text: credentialJson })).toBe(once);
  });

  it('bakes OB 2.0 assertions with the hosted id in verify and the 2.0 namespace', () => {
    const assertion = JSON.stringify({ id: 'https://badges.example.edu/ob2/assertions/awd_1', type: 'Assertion' });
    const baked = bakeSvg(svg, { format: 'ob2', text: assertion });
    expect(baked).toContain('xmlns:openbadges="http://openbadges.org"');
    expect(baked).toContain('<openbadges:assertion verify="https://badges.example.edu/ob2/assertions/awd_1"><![CDATA[');
    expect(extractFromSvg(baked)).toEqual({ format: 'ob2', text: assertion });
  });

  it('handles self-closing roots and detects kinds by content', () => {
    const baked = bakeImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), { format: 'ob3', text: jws });
    expect(baked.kind).toBe('svg');
    expect(baked.bytes.toString()).toMatch(/<svg [^>]*><openbadges:credential verify="[^"]+"\/><\/svg>$/);
    expect(extractFromImage(baked.bytes)).toEqual({ format: 'ob3', text: jws });
    expect(detectImageKind(Buffer.from('<html></html>'))).toBeUndefined();
    expect(() => bakeSvg('<html/>', { format: 'ob3', text: jws })).toThrow();
  });
});
