import { createRequire } from 'node:module';
import createDOMPurify, { type DOMPurify, type WindowLike } from 'dompurify';
import type * as Jsdom from 'jsdom';
import type { JSDOM } from 'jsdom';

// jsdom takes about half a second to load: load it when something is first sanitised, not at start.
const requireJsdom = () => createRequire(import.meta.url)('jsdom') as typeof Jsdom;

/**
 * A DOMPurify instance on its own jsdom window. Hooks are per instance, so each sanitiser (SVG
 * images, criteria HTML) gets its own and their rules never mix. The window also provides the
 * DOMParser and XMLSerializer the nodes it sanitises must come from.
 */
export function createPurifier(): { purify: DOMPurify; window: JSDOM['window'] } {
  const { window } = new (requireJsdom().JSDOM)('');
  return { purify: createDOMPurify(window as unknown as WindowLike), window };
}

/** The few references an image or page may keep: in-document fragments and inline raster data. */
export function isSafeReference(reference: string): boolean {
  const value = reference.trim();
  return value.startsWith('#') || /^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]*$/i.test(value);
}
