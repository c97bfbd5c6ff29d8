import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig, settingDocs } from './config.js';

describe('configuration from the environment', () => {
  it('has working defaults for a newcomer', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      publicUrl: 'http://localhost:8080',
      databaseUrl: undefined,
      serveWorkers: true,
      accessTokenTtlSeconds: 3600,
      secretGraceSeconds: 86400,
      firstRun: { organizationName: 'My organisation', adminEmail: 'admin@example.org' },
    });
    expect(config.dataDir).toMatch(/\.laurel$/);
  });

  it('parses durations, booleans and URLs', () => {
    const config = loadConfig({ LAUREL_ACCESS_TOKEN_TTL: '15m', LAUREL_SERVE_WORKERS: 'no', DATABASE_URL: 'postgres://u:pw@db/laurel', LAUREL_PUBLIC_URL: 'https://badges.example.edu/' });
    expect(config.accessTokenTtlSeconds).toBe(900);
    expect(config.workerLeaseSeconds).toBe(60);
    expect(loadConfig({ LAUREL_WORKER_LEASE: '5s' }).workerLeaseSeconds).toBe(5);
    expect(() => loadConfig({ LAUREL_WORKER_LEASE: 'soon' })).toThrow('LAUREL_WORKER_LEASE: expected a duration');
    expect(config.serveWorkers).toBe(false);
    expect(config.publicUrl).toBe('https://badges.example.edu');
    expect(describeConfig(config).databaseUrl).toBe('postgres://***@db/laurel');
  });

  it('turns the event bus on only with a URL, and masks its credentials', () => {
    expect(loadConfig({ LAUREL_EVENT_BUS_ORGANIZATION: 'ignored' }).eventBus).toBeUndefined();
    const organizationId = 'org_01jd8x0000000000000000000a';
    const config = loadConfig({ LAUREL_EVENT_BUS_URL: 'rediss://u:pw@bus:6380/2', LAUREL_EVENT_BUS_ORGANIZATION: organizationId, LAUREL_EVENT_BUS_PREFIX: 'dev' });
    expect(config.eventBus).toEqual({ url: 'rediss://u:pw@bus:6380/2', prefix: 'dev', organizationId, maxLen: 10_000 });
    expect(describeConfig(config).eventBus).toEqual({ url: 'rediss://***@bus:6380/2', prefix: 'dev', organizationId, maxLen: 10_000 });
    const bus = { LAUREL_EVENT_BUS_URL: 'redis://bus', LAUREL_EVENT_BUS_ORGANIZATION: organizationId };
    expect(loadConfig({ ...bus, LAUREL_EVENT_BUS_MAX_LEN: '1000000' }).eventBus?.maxLen).toBe(1_000_000);
    expect(() => loadConfig({ ...bus, LAUREL_EVENT_BUS_MAX_LEN: '0' })).toThrow('LAUREL_EVENT_BUS_MAX_LEN: must be between 1 and 1000000000, got 0');
  });

  it('turns e-mail on only with an SMTP URL, and never shows its password', () => {
    expect(loadConfig({ LAUREL_MAIL_FROM: 'badges@example.edu' }).mail).toBeUndefined();
    const config = loadConfig({ LAUREL_SMTP_URL: 'smtps://mailer:s3cr@t:pw@smtp.example.edu:465', LAUREL_MAIL_FROM: '"Example Badges" <badges@example.edu>' });
    expect(config.mail).toEqual({ smtpUrl: 'smtps://mailer:s3cr@t:pw@smtp.example.edu:465', from: { name: 'Example Badges', address: 'badges@example.edu' } });
    expect(describeConfig(config).mail).toEqual({ smtpUrl: 'smtps://***@smtp.example.edu:465', from: { name: 'Example Badges', address: 'badges@example.edu' } });
    expect(JSON.stringify(describeConfig(config))).not.toMatch(/s3cr|pw@/);
    expect(loadConfig({ LAUREL_SMTP_URL: 'smtp://relay:25', LAUREL_MAIL_FROM: 'badges@example.edu' }).mail?.from).toEqual({ name: null, address: 'badges@example.edu' });
  });

  it.each([
    [{ LAUREL_PORT: '99999' }, 'LAUREL_PORT: must be between 0 and 65535, got 99999'],
    [{ LAUREL_SECRET: 'short' }, 'LAUREL_SECRET: must be at least 32 characters, got 5'],
    [{ LAUREL_LOG_LEVEL: 'loud' }, 'LAUREL_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [{ LAUREL_TRUST_PROXY: 'maybe' }, 'LAUREL_TRUST_PROXY: expected true or false, got "maybe"'],
    [{ LAUREL_REDIS_URL: 'http://cache' }, 'LAUREL_REDIS_URL: must start with redis:// or rediss://'],
    [{ LAUREL_INIT_ADMIN_EMAIL: 'admin' }, 'LAUREL_INIT_ADMIN_EMAIL: "admin" is not an e-mail address'],
    [{ LAUREL_EVENT_BUS_URL: 'kafka://bus' }, 'LAUREL_EVENT_BUS_URL: must start with redis:// or rediss://'],
    [{ LAUREL_EVENT_BUS_URL: 'redis://bus' }, 'LAUREL_EVENT_BUS_ORGANIZATION: required when LAUREL_EVENT_BUS_URL is set (the org_… id that bus events belong to)'],
    [{ LAUREL_EVENT_BUS_URL: 'redis://bus', LAUREL_EVENT_BUS_ORGANIZATION: 'acme' }, 'LAUREL_EVENT_BUS_ORGANIZATION: "acme" is not an organisation id (org_…)'],
    [{ LAUREL_SMTP_URL: 'https://relay' }, 'LAUREL_SMTP_URL: must start with smtp:// or smtps://'],
    [{ LAUREL_SMTP_URL: 'smtp://relay' }, 'LAUREL_MAIL_FROM: required when LAUREL_SMTP_URL is set (an address or "Name <address>")'],
    [{ LAUREL_SMTP_URL: 'smtp://relay', LAUREL_MAIL_FROM: 'Badges <badges>' }, 'LAUREL_MAIL_FROM: expected an address or "Name <address>", got "Badges <badges>"'],
  ])('refuses %o with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message.split(':')[0]!, message.slice(message.indexOf(':') + 2)));
  });

  it('documents every variable in the README table', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const setting of settingDocs) {
      expect(readme).toContain(`| \`${setting.variable}\` | ${setting.default} | ${setting.description} |`);
    }
  });
});
