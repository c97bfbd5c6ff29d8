import type { DOMPurify } from 'dompurify';
import { AppError } from '../../kernel/errors.js';
import { createPurifier, isSafeReference } from '../dom-purifier.js';

const svgNamespace = 'http://www.w3.org/2000/svg';
const parserErrorNamespace = 'http://www.mozilla.org/newlayout/xml/parsererror.xml';
const urlFunction = /url\(\s*(['"]?)(.*?)\1\s*\)/gi;

/** Replaces every `url(…)` that leaves the document with `none`, so nothing is fetched. */
function withoutExternalUrls(value: string): string {
  return value.replace(urlFunction, (whole, _quote, target: string) => (isSafeReference(target) ? whole : 'none'));
}

/** CSS without imports or external urls; null when it must go entirely. */
function sanitizeCss(css: string): string | null {
  // A CSS escape (`u\72l(`) could hide a reference from the patterns here: drop such styles whole.
  if (css.includes('\\')) return null;
  return withoutExternalUrls(css.replace(/@import[^;]*;?/gi, ''));
}

function svgPurifier() {
  const { purify, window } = createPurifier();
  purify.addHook('uponSanitizeElement', (node, event) => {
    if (event.tagName === 'style') node.textContent = sanitizeCss(node.textContent ?? '') ?? '';
  });
  purify.addHook('uponSanitizeAttribute', (_element, event) => {
    const name = event.attrName.toLowerCase();
    if (name === 'href' || name === 'xlink:href') {
      if (!isSafeReference(event.attrValue)) event.keepAttr = false;
    } else if (name === 'style') {
      const css = sanitizeCss(event.attrValue);
      if (css === null) event.keepAttr = false;
      else event.attrValue = css;
    } else if (/url\(/i.test(event.attrValue)) {
      // Presentation attributes (fill, filter, mask, clip-path…) take url() too.
      event.attrValue = withoutExternalUrls(event.attrValue);
    }
  });
  return { purify, window };
}

let purifier: { purify: DOMPurify; window: ReturnType<typeof createPurifier>['window'] } | undefined;

/**
 * Parses SVG text as XML and returns it sanitised: no scripts, event handlers, foreignObject or
 * references outside the document (only `#fragment` and inline PNG/JPEG/GIF/WebP data survive).
 * Throws `unprocessable` when the text is not well-formed XML with an SVG root element.
 */
export function sanitizeSvg(text: string): string {
  purifier ??= svgPurifier();
  const { purify, window } = purifier;
  const root = new window.DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
  if (root.namespaceURI === parserErrorNamespace) {
    throw new AppError('unprocessable', `The image is not well-formed XML, so not an SVG: ${root.textContent ?? 'parse error'}.`);
  }
  if (root.localName !== 'svg' || root.namespaceURI !== svgNamespace) {
    throw new AppError('unprocessable', `The XML's root element is <${root.nodeName}>, not an <svg> in the SVG namespace (${svgNamespace}).`);
  }
  purify.sanitize(root, {
    IN_PLACE: true,
    USE_PROFILES: { svg: true, svgFilters: true },
    // <use> is safe once its href may only point inside the document (enforced by the hook above).
    ADD_TAGS: ['use'],
    FORBID_TAGS: ['script', 'foreignObject', 'foreignobject'],
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new window.XMLSerializer().serializeToString(root)}`;
}
