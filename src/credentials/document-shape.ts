import jsonld from 'jsonld';
import { bundledContexts } from './contexts.js';
import { isObject } from './json.js';
import type { JsonObject } from './json.js';

/**
 * The shape of a JSON-LD document: the document with each free-text or IRI value renamed to a
 * placeholder, so that credentials which differ only in such values (ids, names, dates, hashes)
 * share one shape. JSON-LD processing treats a string value according to a few properties of
 * the string alone — is it a keyword, a term, a compact IRI, a blank node, an absolute IRI —
 * and by whether it equals other strings (node merging, de-duplication). A placeholder keeps
 * those properties (same IRI scheme, same absolute-or-relative class) and the renaming is
 * one-to-one, so the shape expands to the same RDF as the document with the placeholders where
 * the values were. Strings whose treatment could depend on more than that stay as they are.
 */
export interface DocumentShape {
  /** Identifies the shape; equal keys mean equal processing. */
  key: string;
  shape: JsonObject;
  /** Placeholder → the document's value it stands for. */
  values: Map<string, string>;
}

export const placeholderMarker = 'laurel-slot-';

/**
 * Keywords whose values are JSON-LD structure (nodes, values, lists) rather than settings such
 * as `@type` or `@language`; the values of every other keyword are kept verbatim.
 */
const structuralKeywords = new Set(['@id', '@value', '@graph', '@list', '@set', '@nest', '@included', '@reverse']);

interface ContextVocabulary {
  contextUrls: Set<string>;
  /** Every term any bundled context defines, in any scope, including `null`-mapped ones. */
  terms: Set<string>;
  /** Keys whose whole value is kept verbatim: settings keywords and the terms aliasing them. */
  verbatimKeys: Set<string>;
}

let vocabulary: ContextVocabulary | undefined;

function contextVocabulary(): ContextVocabulary {
  if (vocabulary) return vocabulary;
  const contexts = bundledContexts();
  const terms = new Set<string>();
  const verbatimKeys = new Set(['@context', '@type', '@language', '@direction', '@index', '@base', '@vocab', '@version']);
  const collect = (context: unknown): void => {
    if (Array.isArray(context)) for (const entry of context) collect(entry);
    if (!isObject(context)) return;
    for (const [term, definition] of Object.entries(context)) {
      if (term.startsWith('@')) continue;
      terms.add(term);
      const target = typeof definition === 'string' ? definition : isObject(definition) ? definition['@id'] : undefined;
      if (typeof target === 'string' && target.startsWith('@') && !structuralKeywords.has(target)) verbatimKeys.add(term);
      if (isObject(definition)) collect(definition['@context']);
    }
  };
  for (const document of contexts.values()) collect((document as JsonObject)['@context']);
  vocabulary = { contextUrls: new Set(contexts.keys()), terms, verbatimKeys };
  return vocabulary;
}

/**
 * The document's shape, or undefined when the document is outside what the renaming argument
 * covers: an inline or unbundled context, a string already containing the placeholder marker,
 * or a value that is renamed in one place and kept verbatim (as a value or a key) in another.
 */
export function documentShape(document: JsonObject): DocumentShape | undefined {
  const builder = new ShapeBuilder(contextVocabulary());
  const shape = builder.object(document, false);
  if (!builder.usable) return undefined;
  for (const kept of builder.verbatim) if (builder.placeholderOf.has(kept)) return undefined;
  const values = new Map<string, string>();
  for (const [value, placeholder] of builder.placeholderOf) values.set(placeholder, value);
  return { key: JSON.stringify(shape), shape, values };
}

class ShapeBuilder {
  usable = true;
  readonly placeholderOf = new Map<string, string>();
  readonly verbatim = new Set<string>();
  readonly #vocabulary: ContextVocabulary;

  constructor(contextVocabulary: ContextVocabulary) {
    this.#vocabulary = contextVocabulary;
  }

  object(node: JsonObject, keepVerbatim: boolean): JsonObject {
    const shaped: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key.includes(placeholderMarker)) this.usable = false;
      // Keys stay as they are, and under some containers they name nodes (`@id` maps).
      this.verbatim.add(key);
      if (key === '@context' && !this.#knownContexts(value)) this.usable = false;
      shaped[key] = this.value(value, keepVerbatim || this.#vocabulary.verbatimKeys.has(key));
    }
    return shaped;
  }

  value(node: unknown, keepVerbatim: boolean): unknown {
    if (typeof node === 'string') return this.#string(node, keepVerbatim);
    if (Array.isArray(node)) return node.map((item) => this.value(item, keepVerbatim));
    if (isObject(node)) return this.object(node, keepVerbatim);
    return node;
  }

  #string(value: string, keepVerbatim: boolean): string {
    if (value.includes(placeholderMarker)) this.usable = false;
    const stem = keepVerbatim ? undefined : placeholderStem(value, this.#vocabulary.terms);
    if (stem === undefined) {
      this.verbatim.add(value);
      return value;
    }
    let placeholder = this.placeholderOf.get(value);
    if (!placeholder) {
      placeholder = `${stem}${placeholderMarker}${this.placeholderOf.size}`;
      this.placeholderOf.set(value, placeholder);
    }
    return placeholder;
  }

  #knownContexts(value: unknown): boolean {
    const entries = Array.isArray(value) ? value : [value];
    return entries.every((entry) => typeof entry === 'string' && this.#vocabulary.contextUrls.has(entry));
  }
}

/**
 * What a value's placeholder starts with — its IRI scheme and separator, or nothing for text —
 * or undefined when the value must stay verbatim. This follows JSON-LD IRI expansion: keywords
 * and keyword-like strings, terms, blank node identifiers and compact IRIs on a defined prefix
 * are each treated specially, so they are never renamed; an absolute IRI is left as it is by
 * expansion whatever follows its scheme; anything else is relative (or plain text) either way.
 */
function placeholderStem(value: string, terms: Set<string>): string | undefined {
  if (value === '' || value.startsWith('@') || terms.has(value)) return undefined;
  const colon = value.indexOf(':');
  if (colon <= 0) return '';
  const prefix = value.slice(0, colon);
  if (prefix === '_' || terms.has(prefix)) return undefined;
  const absolute = jsonld.url.isAbsolute(value);
  if (value.startsWith('//', colon + 1)) return absolute ? `${prefix}://` : undefined;
  return absolute ? `${prefix}:` : '';
}
