import { sql, type Kysely } from 'kysely';

// Ids are TypeIDs (prefix + time-sortable suffix); the C collation keeps their order byte-wise.
const statements = [
  `create table organizations (
     id text collate "C" primary key,
     name text not null,
     created_at timestamptz not null default now())`,
  `create unique index organizations_name_key on organizations (lower(name))`,

  `create table people (
     id text collate "C" primary key,
     email text not null,
     name text,
     password_hash text not null,
     must_change_password boolean not null default false,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now())`,
  `create unique index people_email_key on people (lower(email))`,

  `create table memberships (
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     person_id text collate "C" not null references people(id) on delete cascade,
     role text not null check (role in ('owner', 'admin', 'issuer', 'viewer')),
     created_at timestamptz not null default now(),
     primary key (organization_id, person_id))`,
  `create index memberships_person_idx on memberships (person_id)`,

  `create table sessions (
     token_hash text primary key,
     person_id text collate "C" not null references people(id) on delete cascade,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     csrf_token text not null,
     created_at timestamptz not null default now(),
     expires_at timestamptz not null)`,
  `create index sessions_expires_idx on sessions (expires_at)`,

  `create table login_failures (
     id bigint generated always as identity primary key,
     subject text not null,
     failed_at timestamptz not null default now())`,
  `create index login_failures_subject_idx on login_failures (subject, failed_at)`,

  `create table api_clients (
     id text collate "C" primary key,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     name text not null,
     scopes text[] not null,
     created_at timestamptz not null default now(),
     revoked_at timestamptz)`,
  `create index api_clients_org_idx on api_clients (organization_id, id)`,

  `create table api_client_secrets (
     id text collate "C" primary key,
     client_id text collate "C" not null references api_clients(id) on delete cascade,
     secret_hash text not null,
     created_at timestamptz not null default now(),
     expires_at timestamptz)`,
  `create index api_client_secrets_client_idx on api_client_secrets (client_id)`,

  `create table audit_events (
     id text collate "C" primary key,
     organization_id text collate "C" references organizations(id) on delete cascade,
     actor_type text not null,
     actor_id text,
     action text not null,
     target_type text,
     target_id text,
     details jsonb not null default '{}',
     request_id text,
     created_at timestamptz not null default now())`,
  `create index audit_events_org_idx on audit_events (organization_id, id)`,

  `create table idempotency_keys (
     principal text not null,
     key text not null,
     request_hash text not null,
     state text not null check (state in ('pending', 'done')),
     response_status integer,
     response_headers jsonb,
     response_body text,
     created_at timestamptz not null default now(),
     primary key (principal, key))`,
  `create index idempotency_keys_created_idx on idempotency_keys (created_at)`,

  `create table jobs (
     id text collate "C" primary key,
     organization_id text collate "C" references organizations(id) on delete cascade,
     kind text not null,
     payload jsonb not null,
     status text not null check (status in ('pending', 'running', 'done', 'failed')),
     attempts integer not null default 0,
     max_attempts integer not null,
     run_at timestamptz not null default now(),
     locked_by text,
     locked_until timestamptz,
     last_error text,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     finished_at timestamptz)`,
  // Claiming scans only what is claimable: due pending jobs, and running jobs whose lease expired.
  `create index jobs_pending_idx on jobs (run_at, id) where status = 'pending'`,
  `create index jobs_running_idx on jobs (locked_until) where status = 'running'`,
  `create index jobs_org_status_idx on jobs (organization_id, status, id)`,
  // Lets metrics count failed jobs without scanning a week of done ones.
  `create index jobs_failed_idx on jobs (id) where status = 'failed'`,
  `create index jobs_finished_idx on jobs (finished_at) where status = 'done'`,

  `create table workers (
     id text collate "C" primary key,
     hostname text not null,
     pid integer not null,
     started_at timestamptz not null default now(),
     heartbeat_at timestamptz not null default now())`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
