import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Role } from '../db/schema.js';
import { newId } from '../kernel/ids.js';

export interface Person {
  id: string;
  email: string;
  name: string | null;
  mustChangePassword: boolean;
}

export interface PersonWithHash extends Person {
  passwordHash: string;
}

export interface Member extends Person {
  role: Role;
  joinedAt: Date;
}

type PersonRow = { id: string; email: string; name: string | null; must_change_password: boolean; password_hash: string };

const toPerson = (row: PersonRow): PersonWithHash => ({
  id: row.id,
  email: row.email,
  name: row.name,
  mustChangePassword: row.must_change_password,
  passwordHash: row.password_hash,
});

export async function insertPerson(
  tx: Db,
  person: { email: string; name: string | null; passwordHash: string; mustChangePassword: boolean },
): Promise<Person> {
  const row = await tx
    .insertInto('people')
    .values({
      id: newId('person'),
      email: person.email,
      name: person.name,
      password_hash: person.passwordHash,
      must_change_password: person.mustChangePassword,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toPerson(row);
}

/** E-mail addresses are matched case-insensitively. */
export async function findPersonByEmail(db: Db, email: string): Promise<PersonWithHash | undefined> {
  const row = await db.selectFrom('people').selectAll().where(sql`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
  return row && toPerson(row);
}

export async function findPerson(db: Db, id: string): Promise<PersonWithHash | undefined> {
  const row = await db.selectFrom('people').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toPerson(row);
}

export async function updatePassword(tx: Db, personId: string, passwordHash: string, mustChange: boolean): Promise<void> {
  await tx
    .updateTable('people')
    .set({ password_hash: passwordHash, must_change_password: mustChange, updated_at: new Date() })
    .where('id', '=', personId)
    .execute();
}

export async function insertMembership(tx: Db, organizationId: string, personId: string, role: Role): Promise<void> {
  await tx.insertInto('memberships').values({ organization_id: organizationId, person_id: personId, role }).execute();
}

const memberColumns = ['people.id', 'people.email', 'people.name', 'people.must_change_password', 'people.password_hash', 'memberships.role', 'memberships.created_at'] as const;

export async function listMembers(db: Db, organizationId: string): Promise<Member[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('people', 'people.id', 'memberships.person_id')
    .select(memberColumns)
    .where('memberships.organization_id', '=', organizationId)
    .orderBy('people.email')
    .execute();
  return rows.map(toMember);
}

export async function findMember(db: Db, organizationId: string, personId: string): Promise<Member | undefined> {
  const row = await db
    .selectFrom('memberships')
    .innerJoin('people', 'people.id', 'memberships.person_id')
    .select(memberColumns)
    .where('memberships.organization_id', '=', organizationId)
    .where('memberships.person_id', '=', personId)
    .executeTakeFirst();
  return row && toMember(row);
}

/** The organisations a person belongs to, oldest membership first. */
export async function membershipsOf(db: Db, personId: string): Promise<{ organizationId: string; role: Role }[]> {
  const rows = await db
    .selectFrom('memberships')
    .select(['organization_id', 'role'])
    .where('person_id', '=', personId)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({ organizationId: row.organization_id, role: row.role }));
}

export async function updateRole(tx: Db, organizationId: string, personId: string, role: Role): Promise<void> {
  await tx.updateTable('memberships').set({ role }).where('organization_id', '=', organizationId).where('person_id', '=', personId).execute();
}

export async function deleteMembership(tx: Db, organizationId: string, personId: string): Promise<void> {
  await tx.deleteFrom('memberships').where('organization_id', '=', organizationId).where('person_id', '=', personId).execute();
}

export async function countOwners(tx: Db, organizationId: string): Promise<number> {
  const row = await tx
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('owners'))
    .where('organization_id', '=', organizationId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.owners);
}

function toMember(row: PersonRow & { role: Role; created_at: Date }): Member {
  const { passwordHash: _hash, ...person } = toPerson(row);
  return { ...person, role: row.role, joinedAt: row.created_at };
}
