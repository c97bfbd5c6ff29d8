import type { Connection } from './store.js';

/** Credly authorization tokens last 180 days from issue. */
export const credlyTokenLifetimeDays = 180;

/** How long before expiry a connection starts warning. */
export const tokenWarningDays = 30;

const dayMs = 24 * 60 * 60_000;

export interface TokenLifetime {
  issuedAt: Date;
  expiresAt: Date;
  /** Whole days left (negative once expired). */
  daysLeft: number;
}

/** The authorization token's lifetime, for Credly connections that use one and know its issue date. */
export function tokenLifetime(connection: Pick<Connection, 'provider' | 'settings'>, now: Date): TokenLifetime | null {
  if (connection.provider !== 'credly' || !('tokenIssuedAt' in connection.settings) || !connection.settings.tokenIssuedAt) return null;
  const issuedAt = new Date(connection.settings.tokenIssuedAt);
  const expiresAt = new Date(issuedAt.getTime() + credlyTokenLifetimeDays * dayMs);
  return { issuedAt, expiresAt, daysLeft: Math.floor((expiresAt.getTime() - now.getTime()) / dayMs) };
}

/** What an administrator should act on before the connection stops working. */
export function connectionWarnings(connection: Pick<Connection, 'id' | 'provider' | 'settings'>, now: Date): string[] {
  const lifetime = tokenLifetime(connection, now);
  if (!lifetime || lifetime.daysLeft > tokenWarningDays) return [];
  const when = lifetime.expiresAt.toISOString().slice(0, 10);
  const rotate = `rotate it with POST /api/v1/connections/${connection.id}/rotate-token`;
  if (lifetime.daysLeft < 0) return [`The Credly authorization token expired on ${when}; ${rotate}.`];
  return [`The Credly authorization token expires on ${when} (in ${lifetime.daysLeft} days); ${rotate}.`];
}
