import type { ClientService } from '../auth/clients/service.js';
import { findClientByName } from '../auth/clients/store.js';
import type { OperationContext } from '../auth/principal.js';
import { scopes } from '../auth/scopes.js';
import { recordAudit } from '../audit/store.js';
import { inTransaction, type Db } from '../db/database.js';
import { addMember } from './members.js';
import { findOrganizationByName, insertOrganization, type Organization } from './organizations.js';
import { findMember, findPersonByEmail } from './people.js';

/** The API client `laurel init` creates; found again by this name on later runs. */
export const initClientName = 'laurel init';

export interface InitializeInput {
  organizationName: string;
  adminEmail: string;
  adminName?: string;
  /** On a repeated run, issue a new secret for the init client (the old one keeps its grace period). */
  rotateSecret?: boolean;
}

export interface InitializeResult {
  organization: Organization & { created: boolean };
  admin: { personId: string; email: string; role: string; oneTimePassword: string | null; created: boolean };
  /** `client_secret` is null on a repeated run unless a rotation was asked for: it is never stored in clear. */
  client: { client_id: string; client_secret: string | null; scopes: readonly string[]; created: boolean };
}

/**
 * Creates an organisation, its first owner and an API client with every scope. Idempotent on the
 * organisation name: a second run changes nothing that exists and reports what it found.
 */
export async function initializeOrganization(db: Db, clients: ClientService, input: InitializeInput): Promise<InitializeResult> {
  const existing = await findOrganizationByName(db, input.organizationName);
  const organization =
    existing ??
    (await inTransaction(db, async (tx) => {
      const created = await insertOrganization(tx, input.organizationName.trim());
      await recordAudit(tx, cliContext(created.id), { action: 'organization.created', target: { type: 'organization', id: created.id }, details: { name: created.name } });
      return created;
    }));
  const context = cliContext(organization.id);

  const person = await findPersonByEmail(db, input.adminEmail);
  const membership = person && (await findMember(db, organization.id, person.id));
  const admin = membership
    ? { personId: membership.id, email: membership.email, role: membership.role, oneTimePassword: null, created: false }
    : await addMember(db, context, { email: input.adminEmail, name: input.adminName, role: 'owner' }).then(({ member, oneTimePassword }) => ({
        personId: member.id,
        email: member.email,
        role: member.role,
        oneTimePassword,
        created: true,
      }));

  const initClient = await findClientByName(db, organization.id, initClientName);
  let client: InitializeResult['client'];
  if (!initClient) {
    const created = await clients.create(context, { name: initClientName, scopes: [...scopes] });
    client = { client_id: created.client.id, client_secret: created.clientSecret, scopes: created.client.scopes, created: true };
  } else if (input.rotateSecret) {
    const rotated = await clients.rotate(context, initClient.id);
    client = { client_id: initClient.id, client_secret: rotated.clientSecret, scopes: initClient.scopes, created: false };
  } else {
    client = { client_id: initClient.id, client_secret: null, scopes: initClient.scopes, created: false };
  }
  return { organization: { ...organization, created: !existing }, admin, client };
}

/** Commands typed by the operator act with owner rights; the audit log records them as `cli`. */
export function cliContext(organizationId: string): OperationContext {
  return { organizationId, actor: { type: 'cli', id: null }, requestId: null, role: 'owner' };
}
