/**
 * Every setting comes from an environment variable, is parsed and validated here once at start,
 * and reaches the rest of the code as a typed `Config`. The README table is generated from
 * `settingDocs` so it cannot drift from the code.
 */
import { resolve } from 'node:path';
import { isId } from './kernel/ids.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  /** `undefined` selects the embedded PGlite database under `dataDir`. */
  databaseUrl: string | undefined;
  dbPoolSize: number;
  dbPreparedStatements: boolean;
  /** `undefined` means "generate or read `dataDir/secret`". */
  secret: string | undefined;
  logLevel: LogLevel;
  serveWorkers: boolean;
  workerConcurrency: number;
  /** How long a dead worker's claims (jobs, unacknowledged bus entries) last before others take them over. */
  workerLeaseSeconds: number;
  accessTokenTtlSeconds: number;
  secretGraceSeconds: number;
  sessionTtlSeconds: number;
  rateLimitPerClient: number;
  rateLimitPerIp: number;
  redisUrl: string | undefined;
  /** The Open edX event bus; `undefined` when `LAUREL_EVENT_BUS_URL` is unset (bus off). */
  eventBus: EventBusConfig | undefined;
  /** Outgoing e-mail (award notifications); `undefined` when `LAUREL_SMTP_URL` is unset (e-mail off). */
  mail: MailConfig | undefined;
  /** Hosts whose documents verification may fetch (other issuers' did:web, status lists); none by default. */
  verifyFetchHosts: string[];
  trustProxy: boolean;
  shutdownTimeoutSeconds: number;
  /** Organisation and owner created on the very first start, when the database has none. */
  firstRun: { organizationName: string; adminEmail: string };
}

export interface EventBusConfig {
  url: string;
  /** Upstream `EVENT_BUS_TOPIC_PREFIX`; empty means the bare topic name, as upstream. */
  prefix: string;
  /** The organisation whose rules bus events feed and whose rule awards are published back. */
  organizationId: string;
  /** Approximate cap Laurel's badge events trim the stream to (`XADD MAXLEN ~`), as upstream producers do. */
  maxLen: number;
}

export interface MailConfig {
  /** `smtp://user:password@host:port` or `smtps://…`; it carries the password, so it is only ever shown masked. */
  smtpUrl: string;
  /** The sender of every e-mail. */
  from: { name: string | null; address: string };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

interface SettingDoc {
  variable: string;
  default: string;
  description: string;
}

export const settingDocs: SettingDoc[] = [
  { variable: 'LAUREL_PORT', default: '8080', description: 'HTTP port (`PORT` is honoured too).' },
  { variable: 'LAUREL_HOST', default: '0.0.0.0', description: 'Interface to listen on.' },
  { variable: 'LAUREL_PUBLIC_URL', default: 'http://localhost:<port>', description: 'External base URL; used in links, token issuer and (later) DIDs.' },
  { variable: 'LAUREL_DATA_DIR', default: './.laurel', description: 'Folder for the embedded database and the generated master secret.' },
  { variable: 'DATABASE_URL', default: '(unset: embedded PGlite)', description: '`postgres://…` to use PostgreSQL instead of the embedded database.' },
  { variable: 'LAUREL_DB_POOL_SIZE', default: '10', description: 'PostgreSQL connections per process.' },
  { variable: 'LAUREL_DB_PREPARED_STATEMENTS', default: 'true', description: 'Run queries as prepared statements on PostgreSQL; set false behind a pooler that cannot keep them (PgBouncer transaction mode before 1.21).' },
  { variable: 'LAUREL_SECRET', default: '(generated)', description: 'Master secret (≥ 32 characters). Generated into `<data dir>/secret` when unset; set it explicitly when several processes share a database.' },
  { variable: 'LAUREL_LOG_LEVEL', default: 'info', description: 'fatal, error, warn, info, debug, trace or silent.' },
  { variable: 'LAUREL_SERVE_WORKERS', default: 'true', description: 'Whether `laurel serve` also runs job workers in-process.' },
  { variable: 'LAUREL_WORKER_CONCURRENCY', default: '16', description: 'Jobs a worker process runs at once.' },
  { variable: 'LAUREL_WORKER_LEASE', default: '60s', description: 'How long the jobs and unacknowledged event-bus entries of a worker that died stay with it before another worker takes them over. Live workers renew their claims every third of it (at least every 5 s), so a shorter lease means a faster takeover after a crash.' },
  { variable: 'LAUREL_ACCESS_TOKEN_TTL', default: '1h', description: 'Lifetime of OAuth2 access tokens (seconds or 30s/15m/1h/7d).' },
  { variable: 'LAUREL_SECRET_GRACE', default: '24h', description: 'How long a rotated client secret keeps working.' },
  { variable: 'LAUREL_SESSION_TTL', default: '12h', description: 'Lifetime of a login session.' },
  { variable: 'LAUREL_RATE_LIMIT_CLIENT', default: '6000', description: 'Requests per minute per API client or signed-in person.' },
  { variable: 'LAUREL_RATE_LIMIT_IP', default: '600', description: 'Requests per minute per IP address for unauthenticated requests.' },
  { variable: 'LAUREL_REDIS_URL', default: '(unset)', description: '`redis://…`; when set, rate limits are shared by all processes through Redis.' },
  { variable: 'LAUREL_EVENT_BUS_URL', default: '(unset: bus off)', description: '`redis://…` or `rediss://…` of the Open edX event bus (`openedx/event-bus-redis`); when set, workers consume learning events from it and publish badge awarded/revoked events to it (docs/event-bus.md).' },
  { variable: 'LAUREL_EVENT_BUS_PREFIX', default: '(unset: no prefix)', description: 'The Open edX `EVENT_BUS_TOPIC_PREFIX` (Tutor uses `dev`): streams are named `<prefix>-learning-badges-lifecycle`.' },
  { variable: 'LAUREL_EVENT_BUS_ORGANIZATION', default: '(required with the bus)', description: 'Id (`org_…`) of the organisation that bus events belong to; only its rule awards are published to the bus.' },
  { variable: 'LAUREL_EVENT_BUS_MAX_LEN', default: '10000', description: 'Approximate length Laurel trims the stream to when it publishes (`XADD MAXLEN ~`); set it to upstream\'s `EVENT_BUS_REDIS_STREAM_MAX_LEN`, so Laurel never trims a backlog that upstream keeps.' },
  { variable: 'LAUREL_SMTP_URL', default: '(unset: e-mail off)', description: '`smtp://user:password@host:port` (STARTTLS when the server offers it) or `smtps://…` (TLS from the start); when set, awards can e-mail their recipient (`notify`). Percent-encode special characters in the user and password.' },
  { variable: 'LAUREL_MAIL_FROM', default: '(required with SMTP)', description: 'Sender of Laurel\'s e-mails: `badges@example.edu` or `Example Badges <badges@example.edu>`.' },
  { variable: 'LAUREL_VERIFY_FETCH_HOSTS', default: '(none)', description: 'Comma-separated host names (`host` for port 443, `host:port` for another port) whose documents verification may fetch over HTTPS (other issuers\' did:web documents and status lists); never private addresses.' },
  { variable: 'LAUREL_TRUST_PROXY', default: 'false', description: 'Trust `X-Forwarded-*` headers (behind a reverse proxy).' },
  { variable: 'LAUREL_SHUTDOWN_TIMEOUT', default: '30s', description: 'On SIGTERM, how long running jobs and requests may take before they are released.' },
  { variable: 'LAUREL_INIT_ORG', default: 'My organisation', description: 'Name of the organisation `laurel serve` creates on its very first start (empty database).' },
  { variable: 'LAUREL_INIT_ADMIN_EMAIL', default: 'admin@example.org', description: 'Sign-in e-mail of that first owner; the one-time password is printed once.' },
];

const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(variable, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(variable, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

const durationUnits: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds, written as a plain number of seconds or with a unit: 30s, 15m, 12h, 7d. */
function duration(env: Env, variable: string, fallback: string): number {
  const raw = (env[variable] ?? '').trim() || fallback;
  const match = /^(\d+)([smhd]?)$/.exec(raw);
  if (!match) throw new ConfigError(variable, `expected a duration like 90, 30s, 15m, 12h or 7d, got "${raw}"`);
  const seconds = Number(match[1]) * (durationUnits[match[2] || 's'] ?? 1);
  if (seconds < 1) throw new ConfigError(variable, 'must be at least one second');
  return seconds;
}

function boolean(env: Env, variable: string, fallback: boolean): boolean {
  const raw = env[variable]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(variable, `expected true or false, got "${env[variable]}"`);
}

function url(env: Env, variable: string, protocols: string[]): string | undefined {
  const raw = env[variable]?.trim();
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(variable, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(variable, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function hostList(env: Env, variable: string): string[] {
  const hosts = (env[variable] ?? '').split(',').map((host) => host.trim().toLowerCase()).filter(Boolean);
  const bad = hosts.find((host) => !/^[a-z0-9.-]+(:\d+)?$/.test(host));
  if (bad) throw new ConfigError(variable, `"${bad}" is not a host name`);
  return hosts;
}

function eventBus(env: Env): EventBusConfig | undefined {
  const busUrl = url(env, 'LAUREL_EVENT_BUS_URL', ['redis:', 'rediss:']);
  if (!busUrl) return undefined;
  const organizationId = env.LAUREL_EVENT_BUS_ORGANIZATION?.trim();
  if (!organizationId) throw new ConfigError('LAUREL_EVENT_BUS_ORGANIZATION', 'required when LAUREL_EVENT_BUS_URL is set (the org_… id that bus events belong to)');
  if (!isId('organization', organizationId)) throw new ConfigError('LAUREL_EVENT_BUS_ORGANIZATION', `"${organizationId}" is not an organisation id (org_…)`);
  const prefix = env.LAUREL_EVENT_BUS_PREFIX?.trim() ?? '';
  if (!/^[\w.-]*$/.test(prefix)) throw new ConfigError('LAUREL_EVENT_BUS_PREFIX', `expected letters, digits, ".", "_" or "-", got "${prefix}"`);
  return { url: busUrl, prefix, organizationId, maxLen: integer(env, 'LAUREL_EVENT_BUS_MAX_LEN', 10_000, 1, 1_000_000_000) };
}

const addressPattern = /^[^\s@<>",;]+@[^\s@<>",;]+$/;

/** `address` or `Name <address>` (the name may be quoted). */
function mailbox(variable: string, raw: string): MailConfig['from'] {
  const named = /^(.*?)\s*<([^<>]*)>$/.exec(raw);
  const address = (named ? named[2]! : raw).trim();
  if (!addressPattern.test(address)) throw new ConfigError(variable, `expected an address or "Name <address>", got "${raw}"`);
  const name = named?.[1]!.replace(/^"(.*)"$/, '$1').trim();
  return { name: name || null, address };
}

function mail(env: Env): MailConfig | undefined {
  const smtpUrl = url(env, 'LAUREL_SMTP_URL', ['smtp:', 'smtps:']);
  if (!smtpUrl) return undefined;
  if (!new URL(smtpUrl).hostname) throw new ConfigError('LAUREL_SMTP_URL', 'needs a host: smtp://user:password@host:port');
  const from = env.LAUREL_MAIL_FROM?.trim();
  if (!from) throw new ConfigError('LAUREL_MAIL_FROM', 'required when LAUREL_SMTP_URL is set (an address or "Name <address>")');
  return { smtpUrl, from: mailbox('LAUREL_MAIL_FROM', from) };
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'LAUREL_PORT', integer(env, 'PORT', 8080, 0, 65535), 0, 65535);
  const publicUrl = (url(env, 'LAUREL_PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const secret = env.LAUREL_SECRET;
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError('LAUREL_SECRET', `must be at least 32 characters, got ${secret.length}`);
  }
  const logLevel = (env.LAUREL_LOG_LEVEL?.trim().toLowerCase() || 'info') as LogLevel;
  if (!logLevels.includes(logLevel)) {
    throw new ConfigError('LAUREL_LOG_LEVEL', `expected one of ${logLevels.join(', ')}, got "${env.LAUREL_LOG_LEVEL}"`);
  }
  const adminEmail = env.LAUREL_INIT_ADMIN_EMAIL?.trim() || 'admin@example.org';
  if (!/^[^\s@]+@[^\s@]+$/.test(adminEmail)) throw new ConfigError('LAUREL_INIT_ADMIN_EMAIL', `"${adminEmail}" is not an e-mail address`);
  return {
    host: env.LAUREL_HOST?.trim() || '0.0.0.0',
    port,
    publicUrl,
    dataDir: resolve(env.LAUREL_DATA_DIR?.trim() || '.laurel'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dbPoolSize: integer(env, 'LAUREL_DB_POOL_SIZE', 10, 1, 1000),
    dbPreparedStatements: boolean(env, 'LAUREL_DB_PREPARED_STATEMENTS', true),
    secret,
    logLevel,
    serveWorkers: boolean(env, 'LAUREL_SERVE_WORKERS', true),
    workerConcurrency: integer(env, 'LAUREL_WORKER_CONCURRENCY', 16, 1, 1000),
    workerLeaseSeconds: duration(env, 'LAUREL_WORKER_LEASE', '60s'),
    accessTokenTtlSeconds: duration(env, 'LAUREL_ACCESS_TOKEN_TTL', '1h'),
    secretGraceSeconds: duration(env, 'LAUREL_SECRET_GRACE', '24h'),
    sessionTtlSeconds: duration(env, 'LAUREL_SESSION_TTL', '12h'),
    rateLimitPerClient: integer(env, 'LAUREL_RATE_LIMIT_CLIENT', 6000, 1, 10_000_000),
    rateLimitPerIp: integer(env, 'LAUREL_RATE_LIMIT_IP', 600, 1, 10_000_000),
    redisUrl: url(env, 'LAUREL_REDIS_URL', ['redis:', 'rediss:']),
    eventBus: eventBus(env),
    mail: mail(env),
    verifyFetchHosts: hostList(env, 'LAUREL_VERIFY_FETCH_HOSTS'),
    trustProxy: boolean(env, 'LAUREL_TRUST_PROXY', false),
    shutdownTimeoutSeconds: duration(env, 'LAUREL_SHUTDOWN_TIMEOUT', '30s'),
    firstRun: { organizationName: env.LAUREL_INIT_ORG?.trim() || 'My organisation', adminEmail },
  };
}

/** The configuration as `laurel config check` prints it: secrets and credentials masked. */
export function describeConfig(config: Config): Record<string, unknown> {
  // Parsed rather than matched, so a password with an unencoded "@" or ":" is masked whole.
  const mask = (value: string | undefined) => {
    if (value === undefined) return undefined;
    const parsed = new URL(value);
    if (!parsed.username && !parsed.password) return value;
    parsed.username = '***';
    parsed.password = '';
    return parsed.href;
  };
  return {
    ...config,
    databaseUrl: mask(config.databaseUrl) ?? `embedded PGlite in ${config.dataDir}/db`,
    redisUrl: mask(config.redisUrl),
    eventBus: config.eventBus && { ...config.eventBus, url: mask(config.eventBus.url) },
    mail: config.mail && { ...config.mail, smtpUrl: mask(config.mail.smtpUrl) },
    secret: config.secret === undefined ? `generated in ${config.dataDir}/secret` : '[set]',
  };
}
