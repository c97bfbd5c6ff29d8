import type { Selectable } from 'kysely';
import type { IssuersTable } from '../../db/schema.js';
import type { Db } from '../../db/database.js';
import type { StoredKey } from '../../credentials/key-sealing.js';
import type { P256PublicJwk } from '../../credentials/keys.js';

export interface Issuer {
  id: string;
  organizationId: string;
  /** did:web under the public URL, or did:key of the current Ed25519 key. */
  did: string;
  name: string;
  url: string;
  email: string | null;
  description: string | null;
  imageId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type IssuerProfileFields = Pick<Issuer, 'name' | 'url' | 'email' | 'description' | 'imageId'>;

/** A key as stored, with its lifecycle: retired keys sign nothing new but stay published. */
export type IssuerKey = StoredKey & { createdAt: Date; retiredAt: Date | null };

type IssuerRow = Selectable<IssuersTable>;

const toIssuer = (row: IssuerRow): Issuer => ({
  id: row.id,
  organizationId: row.organization_id,
  did: row.did,
  name: row.name,
  url: row.url,
  email: row.email,
  description: row.description,
  imageId: row.image_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const profileColumns = (fields: Partial<IssuerProfileFields>) => ({
  name: fields.name,
  url: fields.url,
  email: fields.email,
  description: fields.description,
  image_id: fields.imageId,
});

export async function insertIssuer(tx: Db, issuer: Pick<Issuer, 'id' | 'organizationId' | 'did'> & IssuerProfileFields): Promise<Issuer> {
  const row = await tx
    .insertInto('issuers')
    .values({ id: issuer.id, organization_id: issuer.organizationId, did: issuer.did, ...profileColumns(issuer), name: issuer.name, url: issuer.url })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toIssuer(row);
}

export async function findIssuer(db: Db, organizationId: string, id: string): Promise<Issuer | undefined> {
  const row = await db.selectFrom('issuers').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
  return row && toIssuer(row);
}

/** An issuer by id alone: for public documents and for signing on behalf of an award. */
export async function findIssuerById(db: Db, id: string): Promise<Issuer | undefined> {
  const row = await db.selectFrom('issuers').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toIssuer(row);
}

export async function findIssuerByDid(db: Db, did: string): Promise<Issuer | undefined> {
  const row = await db.selectFrom('issuers').selectAll().where('did', '=', did).executeTakeFirst();
  return row && toIssuer(row);
}

export async function listIssuers(db: Db, organizationId: string, after: string | undefined, limit: number): Promise<{ items: Issuer[]; nextCursor: string | null }> {
  let select = db.selectFrom('issuers').selectAll().where('organization_id', '=', organizationId);
  if (after) select = select.where('id', '>', after);
  const rows = await select.orderBy('id').limit(limit + 1).execute();
  const items = rows.slice(0, limit).map(toIssuer);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

export async function updateIssuer(tx: Db, id: string, changes: Partial<IssuerProfileFields> & { did?: string }, at: Date): Promise<Issuer> {
  const row = await tx
    .updateTable('issuers')
    .set({ ...profileColumns(changes), did: changes.did, updated_at: at })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toIssuer(row);
}

export async function insertKeys(tx: Db, issuerId: string, keys: StoredKey[]): Promise<void> {
  await tx
    .insertInto('issuer_keys')
    .values(
      keys.map(({ sealedPrivateKey, ...publicKey }) => ({
        issuer_id: issuerId,
        algorithm: publicKey.algorithm,
        version: publicKey.version,
        public_key: JSON.stringify(publicKey),
        sealed_private_key: sealedPrivateKey,
      })),
    )
    .execute();
}

/** Every key the issuer has had, oldest first within each algorithm. */
export async function issuerKeys(db: Db, issuerId: string): Promise<IssuerKey[]> {
  const rows = await db.selectFrom('issuer_keys').selectAll().where('issuer_id', '=', issuerId).orderBy('algorithm').orderBy('version').execute();
  return rows.map((row) => {
    const lifecycle = { version: row.version, sealedPrivateKey: row.sealed_private_key, createdAt: row.created_at, retiredAt: row.retired_at };
    return row.algorithm === 'Ed25519'
      ? { algorithm: 'Ed25519', publicKeyMultibase: String(row.public_key.publicKeyMultibase), ...lifecycle }
      : { algorithm: 'P-256', publicKeyJwk: row.public_key.publicKeyJwk as P256PublicJwk, ...lifecycle };
  });
}

export async function retireCurrentKeys(tx: Db, issuerId: string, at: Date): Promise<void> {
  await tx.updateTable('issuer_keys').set({ retired_at: at }).where('issuer_id', '=', issuerId).where('retired_at', 'is', null).execute();
}
