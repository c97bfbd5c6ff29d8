import type { Role } from '../db/schema.js';

export const scopes = ['badges:read', 'badges:write', 'awards:read', 'awards:write', 'events:write', 'admin'] as const;
export type Scope = (typeof scopes)[number];

export function isScope(value: string): value is Scope {
  return (scopes as readonly string[]).includes(value);
}

/** What a signed-in person may do in an organisation, expressed in the same scopes as API clients. */
export const roleScopes: Record<Role, readonly Scope[]> = {
  owner: scopes,
  admin: scopes,
  issuer: ['badges:read', 'badges:write', 'awards:read', 'awards:write', 'events:write'],
  viewer: ['badges:read', 'awards:read'],
};

export const roles: readonly Role[] = ['owner', 'admin', 'issuer', 'viewer'];
