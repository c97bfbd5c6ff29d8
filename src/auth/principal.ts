import type { Role } from '../db/schema.js';
import type { Scope } from './scopes.js';

/** Who is calling, for which organisation, allowed to do what. Every API request resolves to one. */
export type Principal =
  | { type: 'client'; id: string; organizationId: string; scopes: ReadonlySet<Scope> }
  | {
      type: 'person';
      id: string;
      organizationId: string;
      role: Role;
      scopes: ReadonlySet<Scope>;
      csrfToken: string;
      passwordChangeRequired: boolean;
    };

/** The author of a change, as written to the audit log. */
export interface Actor {
  type: 'client' | 'person' | 'cli' | 'system';
  id: string | null;
}

/** What a service operation needs to know about its caller. */
export interface OperationContext {
  organizationId: string;
  actor: Actor;
  requestId: string | null;
  /** The caller's role when a person (or the operator's CLI, acting as owner); null for API clients. */
  role: Role | null;
}

export function contextOf(principal: Principal, requestId: string): OperationContext {
  return {
    organizationId: principal.organizationId,
    actor: { type: principal.type, id: principal.id },
    requestId,
    role: principal.type === 'person' ? principal.role : null,
  };
}

/** Laurel itself acting for an organisation (rules, the event bus, provider webhooks), named in the audit log by `process`. */
export function systemContext(organizationId: string, process: string): OperationContext {
  return { organizationId, actor: { type: 'system', id: process }, requestId: null, role: null };
}
