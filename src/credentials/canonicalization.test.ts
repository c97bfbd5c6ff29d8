import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { describe, expect, it } from 'vitest';
import { buildCredential, createTestIssuer } from '../../test/support/credentials-fixtures.js';
import { canonize, rdfFromShape } from './canonicalization.js';
import { ob3ContextUrl, vcV2ContextUrl } from './contexts.js';
import { documentShape } from './document-shape.js';
import type { JsonObject } from './json.js';

/** Canonical N-Quads straight from the cryptosuite, or the error it raises. */
async function libraryResult(document: JsonObject, documentLoader: (url: string) => Promise<unknown>): Promise<string> {
  try {
    return await cryptosuite.canonize(document, { documentLoader });
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

async function laurelResult(document: JsonObject, documentLoader: Parameters<typeof canonize>[1]['documentLoader']): Promise<string> {
  try {
    return await canonize(document, { documentLoader });
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

/** A small deterministic generator, so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const awkwardValues = [
  'plain words',
  'Quotes "inside", back\\slash, tab\t and\nnew line',
  'émoji 🎓 and ümlauts',
  '',
  '2025-03-04T05:06:07Z',
  '42',
  '1.5',
  'https://example.org/a/b?c=d#e',
  'https://example.org/with space',
  'HTTP://EXAMPLE.ORG/UPPER',
  'http://',
  'urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e',
  'did:web:example.org:issuers:1',
  'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
  'mailto:learner@example.org',
  'ext:Custom',
  'xsd:string',
  'dc:title',
  'a:b c',
  ':leading-colon',
  'relative/path',
  '../up',
  '#fragment',
  '_:b7',
  '@context',
  '@nonsense',
  'Achievement',
  'name',
  'id',
  'laurel-slot-3',
];

/** Keys whose values decide structure; mutating them tests nothing but the library's errors. */
const structuralKeys = new Set(['@context', 'type']);

function mutate(document: JsonObject, next: () => number): JsonObject {
  const seen: string[] = [];
  const pick = (): string =>
    next() < 0.3 && seen.length > 0
      ? (seen[Math.floor(next() * seen.length)] as string)
      : (awkwardValues[Math.floor(next() * awkwardValues.length)] as string);
  const walk = (value: unknown, key: string): unknown => {
    if (structuralKeys.has(key)) return value;
    if (typeof value === 'string') {
      seen.push(value);
      return next() < 0.12 ? pick() : value;
    }
    if (Array.isArray(value)) return value.map((item) => walk(item, key));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([name, child]) => [name, walk(child, name)]));
    }
    return value;
  };
  return walk(document, '') as JsonObject;
}

describe('canonicalisation by document shape', async () => {
  const issuer = await createTestIssuer();
  const loader = issuer.documentLoader;

  it('takes the shape path for Laurel credentials and matches the cryptosuite byte for byte', async () => {
    for (let index = 0; index < 5; index++) {
      const credential = buildCredential(issuer, { narrative: `Learner number ${index}` });
      expect(await rdfFromShape(credential, loader)).toBeDefined();
      expect(await canonize(credential, { documentLoader: loader })).toBe(await libraryResult(credential, loader));
    }
  });

  it('matches the cryptosuite, output or error, on hundreds of credentials with awkward values', async () => {
    let shaped = 0;
    let failed = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const document = mutate(buildCredential(issuer), random(seed));
      if (await rdfFromShape(document, loader).catch(() => undefined)) shaped++;
      const expected = await libraryResult(document, loader);
      if (expected.startsWith('error:')) failed++;
      expect({ seed, result: await laurelResult(document, loader) }).toEqual({ seed, result: expected });
    }
    // Both paths and both outcomes must be exercised for the comparison to mean anything.
    expect(shaped).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(20);
    expect(400 - failed).toBeGreaterThan(100);
  });

  const context = [vcV2ContextUrl, ob3ContextUrl];
  const specialCases: [string, JsonObject, boolean][] = [
    [
      'a string typed xsd:double (parsed as a number)',
      { '@context': context, id: 'urn:x:1', type: ['VerifiableCredential'], 'https://example.org/n': { '@value': '1.5', '@type': 'http://www.w3.org/2001/XMLSchema#double' } },
      false,
    ],
    [
      'a JSON literal',
      {
        '@context': context,
        id: 'urn:x:2',
        type: ['VerifiableCredential'],
        credentialSchema: { id: 'https://example.org/schema', type: 'JsonSchema', jsonSchema: { title: 'Some title', $id: 'https://example.org/s' } },
      },
      false,
    ],
    [
      'language-tagged and directed values',
      {
        '@context': context,
        id: 'urn:x:3',
        type: ['VerifiableCredential'],
        name: [{ '@value': 'Hello', '@language': 'EN-gb' }, { '@value': 'مرحبا', '@language': 'ar', '@direction': 'rtl' }],
      },
      true,
    ],
    [
      'one node described in two places',
      {
        '@context': context,
        id: 'urn:x:4',
        type: ['VerifiableCredential'],
        issuer: { id: 'https://example.org/issuer', name: 'Issuer' },
        credentialSubject: { id: 'https://example.org/issuer', description: 'Issuer' },
      },
      true,
    ],
    [
      'an inline context',
      { '@context': [...context, { local: 'https://example.org/local' }], id: 'urn:x:5', type: ['VerifiableCredential'], local: 'value' },
      false,
    ],
    [
      'a value that is also a key',
      {
        '@context': context,
        id: 'urn:x:7',
        type: ['VerifiableCredential'],
        'https://example.org/related': 'https://example.org/issuer',
        issuer: { id: 'https://example.org/related', name: 'Issuer' },
      },
      false,
    ],
    [
      'a value that is a term of the context',
      { '@context': context, id: 'urn:x:6', type: ['VerifiableCredential'], name: 'VerifiableCredential' },
      true,
    ],
  ];

  it.each(specialCases)('handles %s exactly as the cryptosuite does', async (_name, document, byShape) => {
    expect((await rdfFromShape(document, loader)) !== undefined).toBe(byShape);
    expect(await laurelResult(document, loader)).toBe(await libraryResult(document, loader));
  });

  it('leaves documents that already contain the placeholder marker to the cryptosuite', async () => {
    const document = buildCredential(issuer, { narrative: 'laurel-slot-1' });
    expect(documentShape(document)).toBeUndefined();
    expect(await canonize(document, { documentLoader: loader })).toBe(await libraryResult(document, loader));
  });
});
