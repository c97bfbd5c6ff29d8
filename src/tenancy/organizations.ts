import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { newId } from '../kernel/ids.js';

export interface Organization {
  id: string;
  name: string;
  createdAt: Date;
}

const toOrganization = (row: { id: string; name: string; created_at: Date }): Organization => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at,
});

export async function insertOrganization(tx: Db, name: string): Promise<Organization> {
  const row = await tx.insertInto('organizations').values({ id: newId('organization'), name }).returningAll().executeTakeFirstOrThrow();
  return toOrganization(row);
}

/** Organisation names are unique regardless of case. */
export async function findOrganizationByName(db: Db, name: string): Promise<Organization | undefined> {
  const row = await db.selectFrom('organizations').selectAll().where(sql`lower(name)`, '=', name.toLowerCase()).executeTakeFirst();
  return row && toOrganization(row);
}

export async function findOrganization(db: Db, id: string): Promise<Organization | undefined> {
  const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toOrganization(row);
}

/** The organisations with these ids that exist, by id (one statement whatever the number of ids). */
export async function findOrganizations(db: Db, ids: readonly string[]): Promise<Map<string, Organization>> {
  const rows = await db.selectFrom('organizations').selectAll().where(sql<boolean>`id = any(${[...ids]})`).execute();
  return new Map(rows.map((row) => [row.id, toOrganization(row)]));
}

/** Resolves what an operator typed on the command line: an organisation id or its name. */
export async function findOrganizationByIdOrName(db: Db, idOrName: string): Promise<Organization | undefined> {
  return (await findOrganization(db, idOrName)) ?? (await findOrganizationByName(db, idOrName));
}
