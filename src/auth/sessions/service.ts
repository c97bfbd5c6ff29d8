import { recordAudit } from '../../audit/store.js';
import { inTransaction, type Db } from '../../db/database.js';
import type { Role } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import { randomToken, type MasterSecret } from '../../kernel/secrets.js';
import { findPerson, findPersonByEmail, membershipsOf, updatePassword } from '../../tenancy/people.js';
import { hashPassword, minimumPasswordLength, unusablePasswordHash, verifyPassword } from '../passwords.js';
import type { Principal } from '../principal.js';
import { roleScopes } from '../scopes.js';
import { clearLoginFailures, deleteOtherSessions, deleteSession, findLiveSession, insertSession, loginFailuresSince, pruneSessions, recordLoginFailure } from './store.js';

/** Login throttling: at most this many failures per window for one account, and for one address. */
export const loginThrottle = { windowSeconds: 15 * 60, perAccount: 5, perAddress: 50 };

export interface StartedSession {
  token: string;
  expiresAt: Date;
  principal: Extract<Principal, { type: 'person' }>;
}

export interface SessionServiceOptions {
  db: Db;
  secret: MasterSecret;
  clock: Clock;
  ttlSeconds: number;
}

/** Password sign-in for people, producing a session cookie token and a CSRF token. */
export class SessionService {
  constructor(private readonly options: SessionServiceOptions) {}

  #hash(token: string): string {
    return this.options.secret.hash('session-hash', token);
  }

  async #assertNotThrottled(subjects: [string, number][]): Promise<void> {
    const now = this.options.clock.now();
    const since = new Date(now.getTime() - loginThrottle.windowSeconds * 1000);
    for (const [subject, limit] of subjects) {
      const failures = await loginFailuresSince(this.options.db, subject, since);
      if (failures.length >= limit) {
        const oldest = failures[failures.length - limit] ?? now;
        const retryAfter = Math.max(1, Math.ceil((oldest.getTime() + loginThrottle.windowSeconds * 1000 - now.getTime()) / 1000));
        throw new AppError('rate_limited', 'Too many failed sign-in attempts; try again later.', { headers: { 'retry-after': String(retryAfter) } });
      }
    }
  }

  async login(input: { email: string; password: string; organizationId?: string }, address: string): Promise<StartedSession> {
    const accountSubject = `account:${input.email.trim().toLowerCase()}`;
    const addressSubject = `address:${address}`;
    await this.#assertNotThrottled([
      [accountSubject, loginThrottle.perAccount],
      [addressSubject, loginThrottle.perAddress],
    ]);
    const person = await findPersonByEmail(this.options.db, input.email.trim());
    // Verify against a dummy hash for unknown accounts so timing does not reveal which exist.
    const passwordOk = await verifyPassword(input.password, person?.passwordHash ?? unusablePasswordHash);
    const now = this.options.clock.now();
    if (!person || !passwordOk) {
      await recordLoginFailure(this.options.db, [accountSubject, addressSubject], now);
      throw new AppError('unauthenticated', 'Wrong e-mail address or password.');
    }
    const memberships = await membershipsOf(this.options.db, person.id);
    const membership = input.organizationId ? memberships.find((m) => m.organizationId === input.organizationId) : memberships[0];
    if (!membership) {
      throw new AppError('forbidden', input.organizationId ? 'You are not a member of that organisation.' : 'You are not a member of any organisation.');
    }
    const token = randomToken(43);
    const csrfToken = randomToken(32);
    const expiresAt = new Date(now.getTime() + this.options.ttlSeconds * 1000);
    await inTransaction(this.options.db, async (tx) => {
      await clearLoginFailures(tx, accountSubject);
      await insertSession(tx, { tokenHash: this.#hash(token), personId: person.id, organizationId: membership.organizationId, csrfToken, expiresAt });
      await recordAudit(
        tx,
        { organizationId: membership.organizationId, actor: { type: 'person', id: person.id }, requestId: null, role: membership.role },
        { action: 'session.created', target: { type: 'person', id: person.id } },
      );
    });
    return { token, expiresAt, principal: personPrincipal(person.id, membership.organizationId, membership.role, csrfToken, person.mustChangePassword) };
  }

  async resolve(token: string): Promise<Extract<Principal, { type: 'person' }> | null> {
    const session = await findLiveSession(this.options.db, this.#hash(token), this.options.clock.now());
    if (!session) return null;
    return personPrincipal(session.personId, session.organizationId, session.role, session.csrfToken, session.mustChangePassword);
  }

  async logout(token: string): Promise<void> {
    await deleteSession(this.options.db, this.#hash(token));
  }

  /** Changes the signed-in person's password and ends their other sessions. */
  async changePassword(principal: Extract<Principal, { type: 'person' }>, token: string, currentPassword: string, newPassword: string): Promise<void> {
    if (newPassword.length < minimumPasswordLength) {
      throw new AppError('validation_failed', `The new password must have at least ${minimumPasswordLength} characters.`, {
        errors: [{ field: 'body/newPassword', message: `must have at least ${minimumPasswordLength} characters` }],
      });
    }
    const person = await findPerson(this.options.db, principal.id);
    if (!person || !(await verifyPassword(currentPassword, person.passwordHash))) {
      throw new AppError('forbidden', 'The current password is wrong.');
    }
    const hash = await hashPassword(newPassword);
    await inTransaction(this.options.db, async (tx) => {
      await updatePassword(tx, principal.id, hash, false);
      await deleteOtherSessions(tx, principal.id, this.#hash(token));
      await recordAudit(
        tx,
        { organizationId: principal.organizationId, actor: { type: 'person', id: principal.id }, requestId: null, role: principal.role },
        { action: 'person.password_changed', target: { type: 'person', id: principal.id } },
      );
    });
  }

  prune(db: Db): Promise<void> {
    return pruneSessions(db, this.options.clock.now(), loginThrottle.windowSeconds);
  }
}

function personPrincipal(personId: string, organizationId: string, role: Role, csrfToken: string, mustChangePassword: boolean): Extract<Principal, { type: 'person' }> {
  return { type: 'person', id: personId, organizationId, role, scopes: new Set(roleScopes[role]), csrfToken, passwordChangeRequired: mustChangePassword };
}
