import { recordAudit } from '../../audit/store.js';
import type { OperationContext } from '../../auth/principal.js';
import { buildDidDocument } from '../../credentials/did-document.js';
import { didKeyFromMultikey, issuerDid, type IssuerDid } from '../../credentials/identifiers.js';
import { unsealKeyPair } from '../../credentials/key-sealing.js';
import type { Ed25519KeyPair, P256KeyPair, PublicKey } from '../../credentials/keys.js';
import type { JsonObject } from '../../credentials/json.js';
import { buildOb2Issuer } from '../../credentials/ob2.js';
import type { IssuerProfileInput } from '../../credentials/ob3-credential.js';
import { inTransaction, type Db } from '../../db/database.js';
import type { Clock } from '../../kernel/clock.js';
import { notFound } from '../../kernel/errors.js';
import { newId } from '../../kernel/ids.js';
import type { MasterSecret } from '../../kernel/secrets.js';
import type { PublicUrls } from '../public-urls.js';
import { requireOwnImage } from '../references.js';
import { currentKey, identityOf, newKeyGeneration, nextKeyVersion, publicPart } from './keyring.js';
import {
  findIssuer,
  findIssuerByDid,
  findIssuerById,
  insertIssuer,
  insertKeys,
  issuerKeys,
  listIssuers,
  retireCurrentKeys,
  updateIssuer,
  type Issuer,
  type IssuerKey,
  type IssuerProfileFields,
} from './store.js';

export interface IssuerWithKeys {
  issuer: Issuer;
  keys: IssuerKey[];
}

/** Everything the awards capability needs to sign as an issuer. */
export interface IssuerSigningMaterial {
  issuer: Issuer;
  /** The issuer's DID in the form the credential library takes (verification method ids, DID documents). */
  identity: IssuerDid;
  /** The OB 3.0 issuer Profile to embed in credentials (id = the DID, image as a public URL). */
  profile: IssuerProfileInput;
  /** The current keys, unsealed. */
  ed25519: Ed25519KeyPair;
  p256: P256KeyPair;
}

export interface IssuerServiceOptions {
  db: Db;
  secret: MasterSecret;
  clock: Clock;
  /** Decides did:web (a real public host) or did:key for new issuers. */
  publicUrl: string;
  urls: PublicUrls;
}

/** Issuer profiles with their signing keys and the public documents that identify them. */
export class IssuerService {
  constructor(private readonly options: IssuerServiceOptions) {}

  get #dataKey(): Buffer {
    return this.options.secret.key('data-encryption');
  }

  async create(context: OperationContext, input: IssuerProfileFields): Promise<IssuerWithKeys> {
    const id = newId('issuer');
    const keys = newKeyGeneration(1, this.#dataKey);
    const { did } = issuerDid({ publicUrl: this.options.publicUrl, issuerId: id, ed25519PublicKeyMultibase: keys.ed25519.publicKeyMultibase });
    return inTransaction(this.options.db, async (tx) => {
      if (input.imageId) await requireOwnImage(tx, context.organizationId, input.imageId, 'body/imageId');
      const issuer = await insertIssuer(tx, { ...input, id, organizationId: context.organizationId, did });
      await insertKeys(tx, id, [keys.ed25519, keys.p256]);
      await recordAudit(tx, context, { action: 'issuer.created', target: { type: 'issuer', id }, details: { name: issuer.name, did } });
      return { issuer, keys: await issuerKeys(tx, id) };
    });
  }

  list(context: OperationContext, after: string | undefined, limit: number) {
    return listIssuers(this.options.db, context.organizationId, after, limit);
  }

  async get(context: OperationContext, id: string): Promise<IssuerWithKeys> {
    const issuer = await findIssuer(this.options.db, context.organizationId, id);
    if (!issuer) throw notFound('Issuer');
    return { issuer, keys: await issuerKeys(this.options.db, id) };
  }

  async update(context: OperationContext, id: string, changes: Partial<IssuerProfileFields>): Promise<IssuerWithKeys> {
    return inTransaction(this.options.db, async (tx) => {
      if (!(await findIssuer(tx, context.organizationId, id))) throw notFound('Issuer');
      if (changes.imageId) await requireOwnImage(tx, context.organizationId, changes.imageId, 'body/imageId');
      const issuer = await updateIssuer(tx, id, changes, this.options.clock.now());
      await recordAudit(tx, context, { action: 'issuer.updated', target: { type: 'issuer', id }, details: { fields: Object.keys(changes) } });
      return { issuer, keys: await issuerKeys(tx, id) };
    });
  }

  /**
   * Adds the next version of both keys and retires the current ones, which stay published so
   * credentials they signed keep verifying. A did:key issuer's DID is its Ed25519 key, so its
   * DID moves to the new key; credentials signed before carry the old did:key, which needs no host.
   */
  async rotateKeys(context: OperationContext, id: string): Promise<IssuerWithKeys> {
    const now = this.options.clock.now();
    return inTransaction(this.options.db, async (tx) => {
      const found = await findIssuer(tx, context.organizationId, id);
      if (!found) throw notFound('Issuer');
      // Updating the row first locks it: concurrent rotations queue instead of racing for a version.
      const locked = await updateIssuer(tx, id, {}, now);
      const version = nextKeyVersion(await issuerKeys(tx, id));
      const keys = newKeyGeneration(version, this.#dataKey);
      await retireCurrentKeys(tx, id, now);
      await insertKeys(tx, id, [keys.ed25519, keys.p256]);
      const issuer = identityOf(locked.did).method === 'key' ? await updateIssuer(tx, id, { did: didKeyFromMultikey(keys.ed25519.publicKeyMultibase) }, now) : locked;
      await recordAudit(tx, context, { action: 'issuer.keys_rotated', target: { type: 'issuer', id }, details: { version, did: issuer.did } });
      return { issuer, keys: await issuerKeys(tx, id) };
    });
  }

  /** The issuer's current keys, unsealed, with its profile; for the awards capability's signing. */
  async signingMaterial(issuerId: string): Promise<IssuerSigningMaterial> {
    const issuer = await findIssuerById(this.options.db, issuerId);
    if (!issuer) throw notFound('Issuer');
    const keys = await issuerKeys(this.options.db, issuerId);
    const ed25519 = currentKey(keys, 'Ed25519');
    const p256 = currentKey(keys, 'P-256');
    if (!ed25519 || !p256) throw new Error(`Issuer ${issuerId} has no current signing keys`);
    return {
      issuer,
      identity: identityOf(issuer.did),
      profile: this.#profile(issuer),
      ed25519: unsealKeyPair(ed25519, this.#dataKey) as Ed25519KeyPair,
      p256: unsealKeyPair(p256, this.#dataKey) as P256KeyPair,
    };
  }

  /** Every public key the issuer has had, current and retired; for verification. */
  async publicKeys(issuerId: string): Promise<PublicKey[]> {
    return (await issuerKeys(this.options.db, issuerId)).map(publicPart);
  }

  /**
   * The DID document of a did:web issuer named by its DID or one of its verification method ids;
   * undefined when it is not one of ours (did:key documents derive from the key, not from here).
   */
  async didDocumentOf(didOrMethodId: string): Promise<JsonObject | undefined> {
    const did = didOrMethodId.split('#', 1)[0] ?? '';
    if (!did.startsWith('did:web:')) return undefined;
    const issuer = await findIssuerByDid(this.options.db, did);
    return issuer && this.#didDocument(issuer);
  }

  /** `GET /issuers/{id}/did.json`: only did:web issuers have a document to host. */
  async publicDidDocument(issuerId: string): Promise<JsonObject> {
    const issuer = await findIssuerById(this.options.db, issuerId);
    if (!issuer || identityOf(issuer.did).method !== 'web') throw notFound('DID document');
    return this.#didDocument(issuer);
  }

  /** `GET /issuers/{id}`: the OB 2.0 issuer Profile that hosted badges point to. */
  async publicOb2Profile(issuerId: string): Promise<JsonObject> {
    const issuer = await findIssuerById(this.options.db, issuerId);
    if (!issuer) throw notFound('Issuer');
    const { urls } = this.options;
    return buildOb2Issuer({
      id: urls.issuer(issuer.id),
      name: issuer.name,
      url: issuer.url,
      email: issuer.email ?? undefined,
      description: issuer.description ?? undefined,
      image: issuer.imageId ? urls.image(issuer.imageId) : undefined,
    });
  }

  async #didDocument(issuer: Issuer): Promise<JsonObject> {
    return buildDidDocument(identityOf(issuer.did), await this.publicKeys(issuer.id));
  }

  #profile(issuer: Issuer): IssuerProfileInput {
    return {
      id: issuer.did,
      name: issuer.name,
      url: issuer.url,
      email: issuer.email ?? undefined,
      description: issuer.description ?? undefined,
      image: issuer.imageId ? { id: this.options.urls.image(issuer.imageId) } : undefined,
    };
  }
}
