import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makePng } from './support/credentials-fixtures.js';
import { startSmtpServer } from './support/smtp.js';

const run = promisify(execFile);
const laurelBin = join(import.meta.dirname, '..', 'bin', 'laurel.js');
const dataDir = mkdtempSync(join(tmpdir(), 'laurel-cli-'));
const env = { ...process.env, LAUREL_DATA_DIR: dataDir, DATABASE_URL: '', LAUREL_LOG_LEVEL: 'warn' };

function laurel(args: string[], extraEnv: Record<string, string> = {}) {
  return run(process.execPath, [laurelBin, ...args], { env: { ...env, ...extraEnv }, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('laurel command', () => {
  it('prints help for every subcommand', { timeout: 120_000 }, async () => {
    for (const command of [[], ['serve'], ['worker'], ['migrate'], ['version'], ['config', 'check'], ['init'], ['client', 'create'], ['client', 'list'], ['client', 'rotate'], ['client', 'revoke'], ['providers', 'sync'], ['providers', 'retry']]) {
      const result = await laurel([...command, '--help']);
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage: laurel');
    }
  });

  it('stops with one line naming the variable and exit code 2 on bad configuration', { timeout: 60_000 }, async () => {
    const result = await laurel(['config', 'check'], { LAUREL_ACCESS_TOKEN_TTL: 'forever' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual(['laurel: configuration error: LAUREL_ACCESS_TOKEN_TTL: expected a duration like 90, 30s, 15m, 12h or 7d, got "forever"']);
    const serve = await laurel(['serve'], { DATABASE_URL: 'mysql://db/laurel' });
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain('DATABASE_URL: must start with postgres:// or postgresql://');
  });

  it('config check shows the SMTP settings without their password', { timeout: 60_000 }, async () => {
    const smtp = { LAUREL_SMTP_URL: 'smtp://mailer:s3cret@smtp.example.edu:587', LAUREL_MAIL_FROM: 'Example Badges <badges@example.edu>' };
    const text = await laurel(['config', 'check'], smtp);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('mail: {"smtpUrl":"smtp://***@smtp.example.edu:587","from":{"name":"Example Badges","address":"badges@example.edu"}}');
    const json = await laurel(['config', 'check', '--json'], smtp);
    expect(JSON.parse(json.stdout).mail.smtpUrl).toBe('smtp://***@smtp.example.edu:587');
    expect(text.stdout + text.stderr + json.stdout + json.stderr).not.toContain('s3cret');
  });

  it('init --json creates an organisation, an owner and working credentials, idempotently', { timeout: 120_000 }, async () => {
    const first = await laurel(['init', '--org', 'CLI University', '--admin-email', 'registrar@cli.example', '--json']);
    expect(first.code).toBe(0);
    const created = JSON.parse(first.stdout);
    expect(created.organization).toMatchObject({ id: expect.stringMatching(/^org_/), name: 'CLI University', created: true });
    expect(created.admin).toMatchObject({ email: 'registrar@cli.example', role: 'owner', oneTimePassword: expect.stringMatching(/^\w+$/) });
    expect(created.client).toMatchObject({ client_id: expect.stringMatching(/^\w+$/), client_secret: expect.stringMatching(/^\w+$/) });

    const second = JSON.parse((await laurel(['init', '--org', 'cli university', '--admin-email', 'registrar@cli.example', '--json'])).stdout);
    expect(second.organization).toMatchObject({ id: created.organization.id, created: false });
    expect(second.admin).toMatchObject({ oneTimePassword: null, created: false });
    expect(second.client).toMatchObject({ client_id: created.client.client_id, client_secret: null, created: false });

    const list = JSON.parse((await laurel(['client', 'list', '--org', 'CLI University', '--json'])).stdout);
    expect(list.map((c: { id: string }) => c.id)).toEqual([created.client.client_id]);

    // The credentials work against the real server on the same data folder.
    const port = 18000 + Math.floor(Math.random() * 1000);
    const server = spawn(process.execPath, [laurelBin, 'serve'], { env: { ...env, LAUREL_PORT: String(port), LAUREL_HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 30_000;
      let ready = 0;
      while (Date.now() < deadline && ready !== 200) {
        ready = await fetch(`${base}/readyz`).then((r) => r.status, () => 0);
        if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(ready, stderr).toBe(200);
      const token = await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: created.client.client_id, client_secret: created.client.client_secret }),
      }).then((r) => r.json() as Promise<{ access_token: string }>);
      const organization = await fetch(`${base}/api/v1/organization`, { headers: { authorization: `Bearer ${token.access_token}` } }).then((r) => r.json());
      expect(organization).toMatchObject({ id: created.organization.id, name: 'CLI University' });

      // The built server carries its API description and the interactive docs with their assets.
      const openapi = await fetch(`${base}/api/openapi.json`).then((r) => r.json() as Promise<{ openapi: string; paths: Record<string, unknown> }>);
      expect(openapi.openapi).toBe('3.1.0');
      expect(Object.keys(openapi.paths)).toContain('/api/v1/events');
      const docs = await fetch(`${base}/api/docs/`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger-ui');
      const bundle = await fetch(`${base}/api/docs/static/swagger-ui-bundle.js`);
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toMatch(/javascript/);

      // While the server holds the embedded database, other commands refuse clearly.
      const blocked = await laurel(['client', 'list', '--org', 'CLI University']);
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toMatch(/embedded database .* is in use by process \d+/);
    } finally {
      server.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => server.on('exit', resolve));
      expect(code).toBe(0);
    }
    expect(stderr).toContain('shutting down');
  });

  it('creates, rotates and revokes clients', { timeout: 60_000 }, async () => {
    await laurel(['init', '--org', 'Rotation Org', '--admin-email', 'a@rotation.example']);
    const created = JSON.parse((await laurel(['client', 'create', '--org', 'Rotation Org', '--name', 'moodle', '--scopes', 'awards:write,badges:read', '--json'])).stdout);
    expect(created.scopes).toEqual(['awards:write', 'badges:read']);
    const rotated = JSON.parse((await laurel(['client', 'rotate', created.client_id, '--grace', '1h', '--json'])).stdout);
    expect(rotated.client_secret).not.toBe(created.client_secret);
    const revoked = await laurel(['client', 'revoke', created.client_id]);
    expect(revoked.stdout).toContain('Revoked');
    const badScope = await laurel(['client', 'create', '--org', 'Rotation Org', '--name', 'x', '--scopes', 'root']);
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain('unknown scope(s): root');
    const noOrg = await laurel(['client', 'list', '--org', 'Nowhere']);
    expect(noOrg.code).toBe(1);
    expect(noOrg.stderr.trim()).toBe('laurel: no organisation with id or name "Nowhere"');
  });
});

describe('laurel issue and laurel verify', () => {
  it('issues a CSV roster and verifies a credential file, offline', { timeout: 180_000 }, async () => {
    const issueDir = mkdtempSync(join(tmpdir(), 'laurel-issue-'));
    const issueEnv = { LAUREL_DATA_DIR: issueDir };
    try {
      const init = JSON.parse((await laurel(['init', '--org', 'Issue Org', '--admin-email', 'i@issue.example', '--json'], issueEnv)).stdout);
      // The catalog is made through the API of a running server, as an administrator would.
      const port = 18000 + Math.floor(Math.random() * 1000);
      const server = spawn(process.execPath, [laurelBin, 'serve'], { env: { ...env, ...issueEnv, LAUREL_PORT: String(port), LAUREL_HOST: '127.0.0.1' }, stdio: 'ignore' });
      const base = `http://127.0.0.1:${port}`;
      let badgeClassId: string;
      try {
        for (let i = 0; i < 300 && (await fetch(`${base}/readyz`).then((r) => r.status, () => 0)) !== 200; i++) await new Promise((r) => setTimeout(r, 100));
        const token = (
          (await fetch(`${base}/oauth/token`, {
            method: 'POST',
            body: new URLSearchParams({ grant_type: 'client_credentials', client_id: init.client.client_id, client_secret: init.client.client_secret }),
          }).then((r) => r.json())) as { access_token: string }
        ).access_token;
        const api = (path: string, body: unknown, type = 'application/json') =>
          fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body: body as BodyInit }).then((r) => r.json() as Promise<Record<string, string>>);
        const image = await api('/api/v1/images', new Uint8Array(makePng(2048)), 'image/png');
        const issuer = await api('/api/v1/issuers', JSON.stringify({ name: 'Issue Org', url: 'https://issue.example' }));
        badgeClassId = (await api('/api/v1/badge-classes', JSON.stringify({ issuerId: issuer.id, name: 'CLI Badge', description: 'Issued from the shell', imageId: image.id, criteria: { narrative: 'Be there.' }, expiry: { kind: 'never' } }))).id!;
      } finally {
        server.kill('SIGTERM');
        await new Promise((resolve) => server.on('exit', resolve));
      }

      const csv = join(issueDir, 'roster.csv');
      writeFileSync(csv, 'email,name\nann@example.org,Ann\nbob@example.org,Bob\nnot-an-email,Nobody\n');
      const issued = await laurel(['issue', '--badge-class', badgeClassId, '--csv', csv, '--json'], issueEnv);
      expect(issued.code, issued.stderr).toBe(0);
      const report = JSON.parse(issued.stdout);
      expect(report).toMatchObject({ total: 3, done: 3, counts: { awarded: 2, alreadyHeld: 0, rejected: 1 } });
      expect(report.rejected).toEqual([expect.objectContaining({ row: 3, reason: 'email "not-an-email" is not an e-mail address' })]);
      const missing = await laurel(['issue', '--badge-class', 'bc_nope', '--csv', csv], issueEnv);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toBe('laurel: no badge class with id "bc_nope"');
      const unsendable = await laurel(['issue', '--badge-class', badgeClassId, '--csv', csv, '--notify'], issueEnv);
      expect(unsendable.code).toBe(1);
      expect(unsendable.stderr).toContain('does not send e-mail');

      // With SMTP configured, the server's job workers send the award e-mail.
      const smtp = await startSmtpServer();
      try {
        const mailEnv = { ...issueEnv, LAUREL_SMTP_URL: smtp.url, LAUREL_MAIL_FROM: 'Issue Org <badges@issue.example>' };
        const newcomer = join(issueDir, 'newcomer.csv');
        writeFileSync(newcomer, 'email,name\ncara@example.org,Cara\n');
        const notified = await laurel(['issue', '--badge-class', badgeClassId, '--csv', newcomer, '--notify', '--json'], mailEnv);
        expect(notified.code, notified.stderr).toBe(0);
        const port = 18000 + Math.floor(Math.random() * 1000);
        const server = spawn(process.execPath, [laurelBin, 'serve'], { env: { ...env, ...mailEnv, LAUREL_PORT: String(port), LAUREL_HOST: '127.0.0.1' }, stdio: 'ignore' });
        try {
          for (let i = 0; i < 300 && !smtp.received.some((mail) => mail.recipients.includes('cara@example.org')); i++) await new Promise((r) => setTimeout(r, 100));
        } finally {
          server.kill('SIGTERM');
          await new Promise((resolve) => server.on('exit', resolve));
        }
        expect(smtp.received.map((mail) => mail.recipients)).toEqual([['cara@example.org']]);
        expect(smtp.received[0]!.headers.get('subject')).toContain('CLI Badge');
      } finally {
        await smtp.close();
      }

      // Export one credential straight from the database, then verify the file with the CLI.
      const { openDatabase } = await import('../src/db/database.js');
      const db = await openDatabase({ kind: 'pglite', dataDir: issueDir });
      const row = await db.db.selectFrom('awards').select('credential').executeTakeFirstOrThrow();
      await db.close();
      const good = join(issueDir, 'credential.json');
      writeFileSync(good, JSON.stringify(row.credential));
      const verified = await laurel(['verify', good], issueEnv);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/^VERIFIED \(json\)/);
      const forged = join(issueDir, 'forged.json');
      writeFileSync(forged, JSON.stringify({ ...(row.credential as object), name: 'Forged' }));
      const rejected = await laurel(['verify', forged, '--json'], issueEnv);
      expect(rejected.code).toBe(1);
      expect(JSON.parse(rejected.stdout).checks.find((c: { name: string }) => c.name === 'proof').outcome).toBe('failed');
    } finally {
      rmSync(issueDir, { recursive: true, force: true });
    }
  });
});
