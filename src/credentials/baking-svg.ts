import { BakingError, isCompactJws } from './baking-types.js';
import type { BakedPayload, BadgeFormat } from './baking-types.js';

const namespaces: Record<BadgeFormat, string> = {
  ob3: 'https://purl.imsglobal.org/ob/v3p0',
  ob2: 'http://openbadges.org',
};
const elements: Record<BadgeFormat, string> = { ob3: 'openbadges:credential', ob2: 'openbadges:assertion' };

interface Span {
  start: number;
  end: number;
}

interface BakedElement extends Span {
  format: BadgeFormat;
  attributes: string;
  body: string;
}

export function looksLikeSvg(text: string): boolean {
  return /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i.test(text.slice(0, 4096));
}

/**
 * Bakes right after the root `<svg …>` tag: OB 3.0 as `<openbadges:credential>` (a JWS in the
 * `verify` attribute, signed JSON in a CDATA body), OB 2.0 as `<openbadges:assertion>` (`verify`
 * is the JWS or the hosted assertion URL = its id; JSON in CDATA). Both specs bind the prefix
 * `openbadges` to different namespaces, so an SVG holds one baked badge: re-baking replaces it.
 */
export function bakeSvg(svg: string, payload: BakedPayload): string {
  const root = rootStartTag(svg);
  const existing = findBakedElement(svg, root.end);
  const withoutOld = existing ? svg.slice(0, existing.start) + svg.slice(existing.end) : svg;
  const tag = withNamespace(withoutOld.slice(root.start, root.end), namespaces[payload.format]);
  const selfClosing = tag.endsWith('/>');
  const openTag = selfClosing ? `${tag.slice(0, -2).trimEnd()}>` : tag;
  const closeTag = selfClosing ? '</svg>' : '';
  return withoutOld.slice(0, root.start) + openTag + bakedElement(payload) + closeTag + withoutOld.slice(root.end);
}

/** The baked badge of an SVG, or undefined when it has none. */
export function extractFromSvg(svg: string): BakedPayload | undefined {
  const element = findBakedElement(svg, rootStartTag(svg).end);
  if (!element) return undefined;
  const body = decodeBody(element.body).trim();
  if (body.length > 0) return { format: element.format, text: body };
  const verify = /\sverify\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(element.attributes);
  const value = verify?.[1] ?? verify?.[2];
  return value === undefined ? undefined : { format: element.format, text: decodeEntities(value) };
}

function bakedElement(payload: BakedPayload): string {
  const name = elements[payload.format];
  if (isCompactJws(payload.text)) return `<${name} verify="${escapeAttribute(payload.text.trim())}"/>`;
  const verify = payload.format === 'ob2' ? ` verify="${escapeAttribute(hostedId(payload.text))}"` : '';
  // `]]>` may legitimately occur inside JSON strings; it is split across two CDATA sections.
  return `<${name}${verify}><![CDATA[${payload.text.replaceAll(']]>', ']]]]><![CDATA[>')}]]></${name}>`;
}

/** OB 2.0 hosted assertions are verified at their id, which is what `verify` must name. */
function hostedId(json: string): string {
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { id?: unknown }).id === 'string') {
      return (parsed as { id: string }).id;
    }
  } catch {
    // Fall through: only well-formed assertions can be baked.
  }
  throw new BakingError('an OB 2.0 assertion must be JSON with an id');
}

function withNamespace(tag: string, namespace: string): string {
  const stripped = tag.replace(/\s+xmlns:openbadges\s*=\s*(?:"[^"]*"|'[^']*')/, '');
  const insertAt = stripped.endsWith('/>') ? stripped.length - 2 : stripped.length - 1;
  return `${stripped.slice(0, insertAt).trimEnd()} xmlns:openbadges="${namespace}"${stripped.slice(insertAt)}`;
}

/** The root element's start tag, skipping the prolog (declaration, comments, doctype, PIs). */
function rootStartTag(svg: string): Span {
  let index = 0;
  for (;;) {
    index = svg.indexOf('<', index);
    if (index < 0) throw new BakingError('no <svg> root element');
    if (svg.startsWith('<!--', index)) index = after(svg, '-->', index);
    else if (svg.startsWith('<?', index)) index = after(svg, '?>', index);
    else if (svg.startsWith('<!', index)) index = after(svg, '>', index);
    else break;
  }
  if (!/^<svg[\s/>]/.test(svg.slice(index, index + 5))) throw new BakingError('root element is not <svg>');
  return { start: index, end: tagEnd(svg, index) };
}

function findBakedElement(svg: string, from: number): BakedElement | undefined {
  const match = /<(openbadges:(?:credential|assertion))(?=[\s/>])/.exec(svg.slice(from));
  if (!match?.[1]) return undefined;
  const name = match[1];
  const start = from + match.index;
  const startTagEnd = tagEnd(svg, start);
  const attributes = svg.slice(start + name.length + 1, startTagEnd - 1);
  const format: BadgeFormat = name === elements.ob3 ? 'ob3' : 'ob2';
  if (svg[startTagEnd - 2] === '/') return { format, start, end: startTagEnd, attributes, body: '' };
  // Scan the body CDATA-aware: JSON inside CDATA may contain the closing tag's text.
  let index = startTagEnd;
  for (;;) {
    const next = svg.indexOf('<', index);
    if (next < 0) throw new BakingError(`unterminated <${name}>`);
    if (svg.startsWith('<![CDATA[', next)) index = after(svg, ']]>', next);
    else if (svg.startsWith(`</${name}`, next)) {
      return { format, start, end: tagEnd(svg, next), attributes, body: svg.slice(startTagEnd, next) };
    } else index = next + 1;
  }
}

/** Index just past the `>` that ends the tag starting at `start`, ignoring `>` inside quotes. */
function tagEnd(svg: string, start: number): number {
  let quote: string | undefined;
  for (let index = start + 1; index < svg.length; index++) {
    const char = svg[index];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '>') return index + 1;
  }
  throw new BakingError('unterminated tag');
}

function after(svg: string, marker: string, from: number): number {
  const index = svg.indexOf(marker, from);
  if (index < 0) throw new BakingError(`unterminated ${marker}`);
  return index + marker.length;
}

/** Element text: CDATA sections verbatim, character data with entities decoded. */
function decodeBody(body: string): string {
  return body
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part) => (part.startsWith('<![CDATA[') ? part.slice(9, -3) : decodeEntities(part)))
    .join('');
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return named[entity.toLowerCase()] ?? '';
  });
}

function escapeAttribute(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;');
}
