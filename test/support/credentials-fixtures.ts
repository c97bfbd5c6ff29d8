import { randomFillSync } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { pngChunk } from './png.js';
import { buildDidDocument } from '../../src/credentials/did-document.js';
import { createDocumentLoader } from '../../src/credentials/document-loader.js';
import type { DocumentLoader } from '../../src/credentials/document-loader.js';
import { DataIntegritySigner } from '../../src/credentials/data-integrity.js';
import { issuerDid, verificationMethodId } from '../../src/credentials/identifiers.js';
import type { IssuerDid } from '../../src/credentials/identifiers.js';
import type { JsonObject } from '../../src/credentials/json.js';
import { generateEd25519KeyPair, generateP256KeyPair } from '../../src/credentials/keys.js';
import type { Ed25519KeyPair, P256KeyPair } from '../../src/credentials/keys.js';
import { buildOpenBadgeCredential } from '../../src/credentials/ob3-credential.js';
import type { OpenBadgeCredentialInput } from '../../src/credentials/ob3-credential.js';
import { buildStatusListCredential, StatusList } from '../../src/credentials/status-list.js';

/**
 * An issuer as the lead's service will hold one: keys, DID, published documents (DID document,
 * status list) in an in-memory map standing in for the database behind `resolveLocal`.
 */
export interface TestIssuer {
  did: IssuerDid;
  ed25519: Ed25519KeyPair;
  p256: P256KeyPair;
  /** URL → published document, the stand-in for the database. */
  published: Map<string, JsonObject>;
  documentLoader: DocumentLoader;
  signer: DataIntegritySigner;
  statusListUrl: string;
  statusList: StatusList;
  sign(credential: JsonObject): Promise<JsonObject>;
  /** Re-signs and republishes the status list after bits changed. */
  publishStatusList(): Promise<JsonObject>;
  credentialInput(overrides?: Partial<OpenBadgeCredentialInput>): OpenBadgeCredentialInput;
}

export async function createTestIssuer(publicUrl = 'https://badges.example.edu'): Promise<TestIssuer> {
  const ed25519 = generateEd25519KeyPair();
  const p256 = generateP256KeyPair();
  const did = issuerDid({ publicUrl, issuerId: 'iss_test', ed25519PublicKeyMultibase: ed25519.publicKeyMultibase });
  const published = new Map<string, JsonObject>();
  if (did.method === 'web') published.set(did.did, buildDidDocument(did, [ed25519, p256]));
  const documentLoader = createDocumentLoader({ resolveLocal: (url) => Promise.resolve(published.get(url)) });
  const signer = new DataIntegritySigner(documentLoader);
  const key = { verificationMethod: verificationMethodId(did, ed25519), keyPair: ed25519 };
  const statusListUrl = `${publicUrl}/status-lists/1`;
  const statusList = new StatusList();
  const issuer: TestIssuer = {
    did,
    ed25519,
    p256,
    published,
    documentLoader,
    signer,
    statusListUrl,
    statusList,
    sign: (credential) => signer.sign(credential, key, new Date()),
    async publishStatusList() {
      const unsigned = buildStatusListCredential({ id: statusListUrl, issuer: did.did, list: statusList, validFrom: new Date('2024-01-01T00:00:00Z') });
      const signed = await signer.sign(unsigned, key, new Date());
      published.set(statusListUrl, signed);
      return signed;
    },
    credentialInput: (overrides = {}) => ({
      id: `urn:uuid:${crypto.randomUUID()}`,
      issuer: { id: did.did, name: 'Example University', url: 'https://www.example.edu', email: 'badges@example.edu' },
      achievement: {
        id: `${publicUrl}/badge-classes/bc_1/v/1`,
        name: 'Data Literacy',
        description: 'Reads and questions charts & tables — "really".',
        criteria: { id: `${publicUrl}/badge-classes/bc_1/v/1/criteria`, narrative: 'Complete **all** modules.' },
        achievementType: 'Badge',
        alignments: [{ targetName: 'ESCO data literacy', targetUrl: 'https://esco.ec.europa.eu/en/skill/x', targetType: 'ext:ESCO' }],
        tags: ['data', 'literacy'],
        inLanguage: 'en',
        image: { id: `${publicUrl}/badge-classes/bc_1/image.png`, caption: 'Badge' },
      },
      recipient: { email: 'Learner@Example.org ' },
      validFrom: new Date('2024-01-01T00:00:00Z'),
      evidence: [{ id: 'https://portfolio.example.org/1', name: 'Portfolio', narrative: 'Project work' }],
      narrative: 'Earned with distinction.',
      status: { statusListCredential: statusListUrl, statusListIndex: 42 },
      ...overrides,
    }),
  };
  await issuer.publishStatusList();
  return issuer;
}

export function buildCredential(issuer: TestIssuer, overrides?: Partial<OpenBadgeCredentialInput>): JsonObject {
  return buildOpenBadgeCredential(issuer.credentialInput(overrides));
}

export function jwtKey(issuer: TestIssuer): { kid: string; keyPair: P256KeyPair } {
  return { kid: verificationMethodId(issuer.did, issuer.p256), keyPair: issuer.p256 };
}

/** A valid RGB PNG whose IDAT holds incompressible noise, so its size is about `size` bytes. */
export function makePng(size = 200 * 1024): Buffer {
  const width = 256;
  const height = Math.max(1, Math.ceil(size / (width * 3 + 1)));
  const raw = Buffer.alloc(height * (width * 3 + 1));
  for (let row = 0; row < height; row++) raw[row * (width * 3 + 1)] = 0;
  randomFillSync(raw);
  for (let row = 0; row < height; row++) raw[row * (width * 3 + 1)] = 0;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const text = Buffer.from('Software\0test', 'latin1');
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('tEXt', text),
    pngChunk('IDAT', deflateSync(raw, { level: 0 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

