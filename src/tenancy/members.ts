import type { OperationContext } from '../auth/principal.js';
import { generatePassword, hashPassword } from '../auth/passwords.js';
import { recordAudit } from '../audit/store.js';
import { inTransaction, type Db } from '../db/database.js';
import type { Role } from '../db/schema.js';
import { AppError, notFound } from '../kernel/errors.js';
import {
  countOwners,
  deleteMembership,
  findMember,
  findPersonByEmail,
  insertMembership,
  insertPerson,
  listMembers,
  updateRole,
  type Member,
} from './people.js';

export interface AddedMember {
  member: Member;
  /** Set when the person was new: shown once, must be changed at first sign-in. */
  oneTimePassword: string | null;
}

/** Only owners (and the operator's CLI) may create, change or remove owners. */
function assertMayManageOwners(context: OperationContext, ...roles: Role[]): void {
  if (roles.includes('owner') && context.role !== 'owner') {
    throw new AppError('forbidden', 'Only an owner can grant, change or remove the owner role.');
  }
}

export async function addMember(db: Db, context: OperationContext, input: { email: string; name?: string; role: Role }): Promise<AddedMember> {
  assertMayManageOwners(context, input.role);
  const email = input.email.trim();
  // Hashing is deliberately slow; do it before the transaction so no connection waits on it.
  const candidatePassword = generatePassword();
  const candidateHash = await hashPassword(candidatePassword);
  return inTransaction(db, async (tx) => {
    let person = await findPersonByEmail(tx, email);
    let oneTimePassword: string | null = null;
    if (!person) {
      oneTimePassword = candidatePassword;
      const created = await insertPerson(tx, { email, name: input.name ?? null, passwordHash: candidateHash, mustChangePassword: true });
      person = { ...created, passwordHash: '' };
    } else if (await findMember(tx, context.organizationId, person.id)) {
      throw new AppError('conflict', `${email} is already a member of this organisation.`);
    }
    await insertMembership(tx, context.organizationId, person.id, input.role);
    await recordAudit(tx, context, { action: 'member.added', target: { type: 'person', id: person.id }, details: { role: input.role } });
    const member = await findMember(tx, context.organizationId, person.id);
    if (!member) throw new Error('membership vanished inside its own transaction');
    return { member, oneTimePassword };
  });
}

export function getMembers(db: Db, context: OperationContext): Promise<Member[]> {
  return listMembers(db, context.organizationId);
}

export async function getMember(db: Db, context: OperationContext, personId: string): Promise<Member> {
  const member = await findMember(db, context.organizationId, personId);
  if (!member) throw notFound('Member');
  return member;
}

export async function changeRole(db: Db, context: OperationContext, personId: string, role: Role): Promise<Member> {
  return inTransaction(db, async (tx) => {
    const member = await findMember(tx, context.organizationId, personId);
    if (!member) throw notFound('Member');
    if (member.role === role) return member;
    assertMayManageOwners(context, member.role, role);
    if (member.role === 'owner' && (await countOwners(tx, context.organizationId)) === 1) {
      throw new AppError('conflict', 'An organisation needs at least one owner; make someone else owner first.');
    }
    await updateRole(tx, context.organizationId, personId, role);
    await recordAudit(tx, context, { action: 'member.role_changed', target: { type: 'person', id: personId }, details: { from: member.role, to: role } });
    return { ...member, role };
  });
}

export async function removeMember(db: Db, context: OperationContext, personId: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const member = await findMember(tx, context.organizationId, personId);
    if (!member) throw notFound('Member');
    assertMayManageOwners(context, member.role);
    if (member.role === 'owner' && (await countOwners(tx, context.organizationId)) === 1) {
      throw new AppError('conflict', 'The last owner of an organisation cannot be removed.');
    }
    await deleteMembership(tx, context.organizationId, personId);
    await recordAudit(tx, context, { action: 'member.removed', target: { type: 'person', id: personId }, details: { role: member.role } });
  });
}
