/**
 * What a connection holds, split in two: settings that may be shown (stored as JSON) and the
 * credentials, which are only ever sealed. Pure functions turn API input into that pair, apply
 * changes to it, and rebuild the adapter's settings from it.
 */
import { AppError, type FieldError } from '../../kernel/errors.js';
import type { ProviderName } from '../adapter.js';
import type { AccredibleRegion, AccredibleRevokeMode } from '../accredible/config.js';
import { credlySecrets, type CredlyCredentials, type CredlyEnvironment } from '../credly/config.js';
import type { ProviderConnectionSettings } from '../factory.js';

export interface CredlySettings {
  organizationId: string;
  environment: CredlyEnvironment;
  apiBaseUrl: string | null;
  oauthTokenUrl: string | null;
  /** Which kind of credential is sealed, so it can be shown without unsealing it. */
  authentication: CredlyCredentials['kind'];
  /** When Credly issued the authorization token (ISO 8601); it expires 180 days later. Null for OAuth. */
  tokenIssuedAt?: string | null;
}

export interface AccredibleSettings {
  region: AccredibleRegion;
  apiBaseUrl: string | null;
  revokeMode: AccredibleRevokeMode;
}

export interface AccredibleSecrets {
  apiKey: string;
}

export type ConnectionConfig =
  | { provider: 'credly'; settings: CredlySettings; secrets: CredlyCredentials }
  | { provider: 'accredible'; settings: AccredibleSettings; secrets: AccredibleSecrets };

export type ConnectionSettings = ConnectionConfig['settings'];
export type ConnectionSecrets = ConnectionConfig['secrets'];

/** Credly's two ways to authenticate, as the API takes them: exactly one of the two. */
interface CredlyCredentialInput {
  authorizationToken?: string;
  /** When Credly issued `authorizationToken`; defaults to the time it is stored. */
  tokenIssuedAt?: string;
  oauth?: { clientId: string; clientSecret: string };
}

export type CreateConnectionInput =
  | ({ provider: 'credly'; name: string; organizationId: string; environment: CredlyEnvironment; apiBaseUrl?: string; oauthTokenUrl?: string } & CredlyCredentialInput)
  | { provider: 'accredible'; name: string; apiKey: string; region: AccredibleRegion; apiBaseUrl?: string; revokeMode?: AccredibleRevokeMode };

/** A PATCH: only the fields sent change; `null` clears a base URL override. */
export interface ConnectionChanges extends CredlyCredentialInput {
  name?: string;
  organizationId?: string;
  environment?: CredlyEnvironment;
  apiBaseUrl?: string | null;
  oauthTokenUrl?: string | null;
  apiKey?: string;
  region?: AccredibleRegion;
  revokeMode?: AccredibleRevokeMode;
}

const providerFields: Record<ProviderName, readonly (keyof ConnectionChanges)[]> = {
  credly: ['organizationId', 'environment', 'apiBaseUrl', 'oauthTokenUrl', 'authorizationToken', 'tokenIssuedAt', 'oauth'],
  accredible: ['apiKey', 'region', 'apiBaseUrl', 'revokeMode'],
};

/** `now` dates a new authorization token whose issue date was not given. */
export function configFromInput(input: CreateConnectionInput, now: Date): ConnectionConfig {
  if (input.provider === 'accredible') {
    return {
      provider: 'accredible',
      settings: { region: input.region, apiBaseUrl: input.apiBaseUrl ?? null, revokeMode: input.revokeMode ?? 'expire' },
      secrets: { apiKey: input.apiKey },
    };
  }
  const secrets = credlyCredentials(input, true);
  return {
    provider: 'credly',
    settings: {
      organizationId: input.organizationId,
      environment: input.environment,
      apiBaseUrl: input.apiBaseUrl ?? null,
      oauthTokenUrl: input.oauthTokenUrl ?? null,
      authentication: secrets.kind,
      tokenIssuedAt: tokenIssuedAt(secrets, input, now),
    },
    secrets,
  };
}

/** The connection after a PATCH; fields of the other provider are refused by name. */
export function applyChanges(config: ConnectionConfig, changes: ConnectionChanges, now: Date): ConnectionConfig {
  const sent = (Object.keys(changes) as (keyof ConnectionChanges)[]).filter((field) => field !== 'name' && changes[field] !== undefined);
  const foreign = sent.filter((field) => !providerFields[config.provider].includes(field));
  if (foreign.length > 0) {
    throw invalid(foreign.map((field) => ({ field: `body/${field}`, message: `does not apply to a ${config.provider} connection` })));
  }
  if (config.provider === 'accredible') {
    const { settings } = config;
    return {
      provider: 'accredible',
      settings: {
        region: changes.region ?? settings.region,
        apiBaseUrl: changes.apiBaseUrl === undefined ? settings.apiBaseUrl : changes.apiBaseUrl,
        revokeMode: changes.revokeMode ?? settings.revokeMode,
      },
      secrets: changes.apiKey === undefined ? config.secrets : { apiKey: changes.apiKey },
    };
  }
  const { settings } = config;
  const newSecrets = credlyCredentials(changes, false);
  const secrets = newSecrets ?? config.secrets;
  return {
    provider: 'credly',
    settings: {
      organizationId: changes.organizationId ?? settings.organizationId,
      environment: changes.environment ?? settings.environment,
      apiBaseUrl: changes.apiBaseUrl === undefined ? settings.apiBaseUrl : changes.apiBaseUrl,
      oauthTokenUrl: changes.oauthTokenUrl === undefined ? settings.oauthTokenUrl : changes.oauthTokenUrl,
      authentication: secrets.kind,
      tokenIssuedAt: newSecrets || changes.tokenIssuedAt !== undefined ? tokenIssuedAt(secrets, changes, now) : (settings.tokenIssuedAt ?? null),
    },
    secrets,
  };
}

function tokenIssuedAt(secrets: CredlyCredentials, input: CredlyCredentialInput, now: Date): string | null {
  if (secrets.kind !== 'authorization-token') {
    if (input.tokenIssuedAt !== undefined) throw invalid([{ field: 'body/tokenIssuedAt', message: 'applies to an authorization token only' }]);
    return null;
  }
  const issued = input.tokenIssuedAt === undefined ? now : new Date(input.tokenIssuedAt);
  if (issued > now) throw invalid([{ field: 'body/tokenIssuedAt', message: 'cannot be in the future' }]);
  return issued.toISOString();
}

/** True when a change could make the connection reach another account (anything but the name). */
export function reachChanged(changes: ConnectionChanges): boolean {
  return Object.entries(changes).some(([field, value]) => field !== 'name' && value !== undefined);
}

export function adapterSettings(config: ConnectionConfig): ProviderConnectionSettings {
  if (config.provider === 'accredible') {
    const { region, apiBaseUrl, revokeMode } = config.settings;
    return { provider: 'accredible', apiKey: config.secrets.apiKey, region, revokeMode, ...(apiBaseUrl ? { apiBaseUrl } : {}) };
  }
  const { organizationId, environment, apiBaseUrl, oauthTokenUrl } = config.settings;
  return { provider: 'credly', organizationId, environment, credentials: config.secrets, ...(apiBaseUrl ? { apiBaseUrl } : {}), ...(oauthTokenUrl ? { oauthTokenUrl } : {}) };
}

/** Every secret value, for scrubbing text that leaves Laurel. */
export function secretValues(config: ConnectionConfig): string[] {
  return config.provider === 'credly' ? credlySecrets(config.secrets) : [config.secrets.apiKey];
}

function credlyCredentials(input: CredlyCredentialInput, required: true): CredlyCredentials;
function credlyCredentials(input: CredlyCredentialInput, required: false): CredlyCredentials | undefined;
function credlyCredentials(input: CredlyCredentialInput, required: boolean): CredlyCredentials | undefined {
  const { authorizationToken, oauth } = input;
  if (authorizationToken !== undefined && oauth !== undefined) {
    throw invalid([{ field: 'body/oauth', message: 'send either authorizationToken or oauth, not both' }]);
  }
  if (authorizationToken !== undefined) return { kind: 'authorization-token', authorizationToken };
  if (oauth !== undefined) return { kind: 'oauth', clientId: oauth.clientId, clientSecret: oauth.clientSecret };
  if (required) throw invalid([{ field: 'body/authorizationToken', message: 'a Credly connection needs authorizationToken or oauth' }]);
  return undefined;
}

function invalid(errors: FieldError[]): AppError {
  return new AppError('validation_failed', errors.map((error) => `${error.field}: ${error.message}`).join('; '), { errors });
}
