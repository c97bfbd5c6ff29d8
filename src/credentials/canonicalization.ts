import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import jsonld from 'jsonld';
import * as rdfCanonize from 'rdf-canonize';
import type { RdfQuad, RdfTerm } from 'rdf-canonize';
import type { DocumentLoader } from './document-loader.js';
import { documentShape, placeholderMarker } from './document-shape.js';
import type { DocumentShape } from './document-shape.js';
import type { JsonObject } from './json.js';

export interface CanonizeOptions {
  documentLoader: DocumentLoader;
  signal?: AbortSignal;
  /** rdf-canonize's bound on blank-node hashing work; its default when absent. */
  maxWorkFactor?: number;
}

/** The options the `eddsa-rdfc-2022` cryptosuite uses to turn a document into RDF. */
const toRdfOptions = { base: null, safe: true, rdfDirection: 'i18n-datatype', produceGeneralizedRdf: false };

const xsdDouble = 'http://www.w3.org/2001/XMLSchema#double';

/**
 * RDF of a shape with placeholder terms marked, ready to have a document's values put back.
 * Undefined when the shape's RDF shows a placeholder was transformed rather than carried
 * through (vocabulary-relative, JSON literal, parsed as a number, used as a datatype or
 * language), in which case documents of that shape take the library's own path.
 */
type ShapeRdf = RdfQuad[] | undefined;

const maxShapes = 256;
const shapes = new Map<string, Promise<ShapeRdf>>();

/**
 * RDFC-1.0 canonical N-Quads of a JSON-LD document, exactly as the `eddsa-rdfc-2022`
 * cryptosuite computes them. Turning JSON-LD into RDF dominates the cost of signing and
 * verifying (the OB 3.0 and VC 2.0 contexts are large and type-scoped), and credentials of one
 * badge class differ only in values, so the RDF is computed once per document shape (see
 * document-shape.ts) and the document's values are put back into it. Documents outside the
 * shape rules go through the cryptosuite unchanged; the tests hold both paths to equal output.
 */
export async function canonize(document: JsonObject, options: CanonizeOptions): Promise<string> {
  const canonizeOptions = { signal: options.signal, maxWorkFactor: options.maxWorkFactor };
  const dataset = await rdfFromShape(document, options.documentLoader);
  if (dataset) return rdfCanonize.canonize(dataset, { algorithm: 'RDFC-1.0', format: 'application/n-quads', ...canonizeOptions });
  return cryptosuite.canonize(document, { documentLoader: options.documentLoader, ...toRdfOptions, ...canonizeOptions });
}

/** The document's RDF built from its shape's, or undefined when the shape rules do not cover it. */
export async function rdfFromShape(document: JsonObject, documentLoader: DocumentLoader): Promise<RdfQuad[] | undefined> {
  const shape = documentShape(document);
  const shapeRdf = shape && (await rdfOfShape(shape, documentLoader));
  return shape && shapeRdf && withValues(shapeRdf, shape.values);
}

function rdfOfShape(shape: DocumentShape, documentLoader: DocumentLoader): Promise<ShapeRdf> {
  let rdf = shapes.get(shape.key);
  if (rdf) {
    // Refresh its place in the least-recently-used order.
    shapes.delete(shape.key);
  } else {
    rdf = jsonld.toRDF(shape.shape, { documentLoader, ...toRdfOptions }).then(
      (dataset) => (carriesPlaceholdersThrough(dataset, new Set(shape.values.keys())) ? dataset : undefined),
      // Invalid as a shape means invalid as a document; the library's path reports why.
      () => undefined,
    );
    if (shapes.size >= maxShapes) shapes.delete(shapes.keys().next().value as string);
  }
  shapes.set(shape.key, rdf);
  return rdf;
}

/**
 * True when every placeholder appears, and appears only as a whole subject, object or graph
 * term: then putting the values back yields the document's own RDF.
 */
function carriesPlaceholdersThrough(dataset: RdfQuad[], placeholders: Set<string>): boolean {
  const seen = new Set<string>();
  const carried = (term: RdfTerm): boolean => {
    if (!term.value.includes(placeholderMarker)) return true;
    if (!placeholders.has(term.value)) return false;
    seen.add(term.value);
    return true;
  };
  const untouched = (text: string | undefined): boolean => text === undefined || !text.includes(placeholderMarker);
  for (const { subject, predicate, object, graph } of dataset) {
    if (!untouched(predicate.value) || !untouched(object.datatype?.value) || !untouched(object.language)) return false;
    // A string typed xsd:double is parsed as a number, which a placeholder is not.
    if (object.datatype?.value === xsdDouble && object.value === 'NaN') return false;
    if (!carried(subject) || !carried(object) || !carried(graph)) return false;
  }
  return seen.size === placeholders.size;
}

function withValues(dataset: RdfQuad[], values: Map<string, string>): RdfQuad[] {
  const valueOf = (term: RdfTerm): RdfTerm => {
    const value = values.get(term.value);
    return value === undefined ? term : { ...term, value };
  };
  return dataset.map(({ subject, predicate, object, graph }) => ({
    subject: valueOf(subject),
    predicate,
    object: valueOf(object),
    graph: valueOf(graph),
  }));
}
