import * as didKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { JsonLdDocumentLoader } from 'jsonld-document-loader';
import type { RemoteDocument } from 'jsonld-document-loader';
import { bundledContexts } from './contexts.js';
import { isObject } from './json.js';
import type { JsonObject } from './json.js';

/**
 * Serves Laurel's own documents (did:web DID documents, key documents, status-list credentials)
 * from wherever the caller keeps them — the database in production, a map in tests. Returns
 * undefined for URLs it does not know.
 */
export type ResolveLocal = (url: string) => Promise<JsonObject | undefined>;

export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

export class UnknownDocumentError extends Error {
  constructor(readonly url: string) {
    super(`Document not available offline: ${url}`);
    this.name = 'UnknownDocumentError';
  }
}

const noLocalDocuments: ResolveLocal = () => Promise.resolve(undefined);

/**
 * A JSON-LD document loader that never touches the network: bundled contexts, did:key resolved
 * from the key itself, and `resolveLocal` for everything Laurel publishes. Any other URL throws,
 * which makes JSON-LD processing fail closed instead of silently fetching.
 */
export function createDocumentLoader(options: { resolveLocal?: ResolveLocal } = {}): DocumentLoader {
  const resolveLocal = options.resolveLocal ?? noLocalDocuments;
  const builder = new JsonLdDocumentLoader();
  for (const [url, document] of bundledContexts()) builder.addStatic(url, document);
  const didKeyDriver = didKey.driver();
  didKeyDriver.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from });
  builder.setDidResolver(didKeyDriver);
  const staticAndDidKey = builder.build();
  const didKeyDocuments = new Map<string, RemoteDocument>();

  return async (url: string): Promise<RemoteDocument> => {
    if (typeof url !== 'string') throw new TypeError('Document URL must be a string');
    if (url.startsWith('did:key:')) return resolveDidKey(url);
    try {
      if (!url.startsWith('did:')) return await staticAndDidKey(url);
    } catch {
      // Not bundled: it may still be one of Laurel's own documents.
    }
    const document = (await resolveLocal(url)) ?? (await resolveFragment(resolveLocal, url));
    if (!document) throw new UnknownDocumentError(url);
    return { contextUrl: null, document, documentUrl: url };
  };

  /**
   * A did:key document is a pure function of the key, and deriving it (including the X25519
   * key-agreement key) costs about as much as a signature check, so results are memoised.
   */
  async function resolveDidKey(url: string): Promise<RemoteDocument> {
    let resolved = didKeyDocuments.get(url);
    if (!resolved) {
      resolved = await staticAndDidKey(url);
      if (didKeyDocuments.size >= 1000) didKeyDocuments.clear();
      didKeyDocuments.set(url, resolved);
    }
    return { ...resolved, document: structuredClone(resolved.document) };
  }
}

/**
 * `did:web:…#key-1` names a verification method inside a DID document: resolve the document and
 * pick the method, carrying the document's @context so it stays valid JSON-LD on its own.
 */
async function resolveFragment(resolveLocal: ResolveLocal, url: string): Promise<JsonObject | undefined> {
  const hash = url.indexOf('#');
  if (hash < 0) return undefined;
  const container = await resolveLocal(url.slice(0, hash));
  const methods = container?.verificationMethod;
  if (!Array.isArray(methods)) return undefined;
  const fragment = url.slice(hash);
  const method: unknown = methods.find(
    (entry: unknown) => isObject(entry) && (entry.id === url || entry.id === fragment),
  );
  if (!isObject(method)) return undefined;
  return { '@context': container?.['@context'], ...method, id: url };
}

