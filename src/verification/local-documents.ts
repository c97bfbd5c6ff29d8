import type { ResolveLocal } from '../credentials/document-loader.js';
import type { JsonObject } from '../credentials/json.js';

/** Laurel's own published documents, read from the database instead of over the network. */
export interface LocalDocumentSources {
  /** The DID document of one of our issuers (did:web), by DID. */
  didDocument(did: string): Promise<JsonObject | undefined>;
  /** One of our signed status-list credentials, by id. */
  statusListCredential(statusListId: string): Promise<JsonObject | undefined>;
}

/**
 * The resolver the JSON-LD document loader and status checks use for Laurel's own DIDs and
 * status lists. Anything else is unknown here (the loader then refuses it: no network).
 */
export function localDocumentResolver(publicUrl: string, sources: LocalDocumentSources): ResolveLocal {
  const statusListPrefix = `${publicUrl}/status-lists/`;
  return async (url) => {
    // Whole documents only: the loader itself picks `did:web:…#key` methods out of a DID document.
    if (url.includes('#')) return undefined;
    if (url.startsWith('did:web:')) return sources.didDocument(url);
    if (url.startsWith(statusListPrefix)) {
      const id = url.slice(statusListPrefix.length);
      return /^\w+$/.test(id) ? sources.statusListCredential(id) : undefined;
    }
    return undefined;
  };
}
