import { sql, type Kysely } from 'kysely';

// Connections to external badge providers (Credly, Accredible) and the templates synced from them.
const statements = [
  // `settings` holds only what may be shown (organisation id, environment or region, base URLs,
  // revoke mode); the credentials are in `sealed_secrets`, AES-256-GCM under the master secret.
  `create table provider_connections (
     id text collate "C" primary key,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     provider text not null check (provider in ('credly', 'accredible')),
     name text not null,
     settings jsonb not null,
     sealed_secrets text not null,
     account_name text,
     last_tested_at timestamptz,
     last_synced_at timestamptz,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now())`,
  `create index provider_connections_org_idx on provider_connections (organization_id, id)`,

  // A Credly badge template or an Accredible group as last synced. Rows are never removed by a
  // sync: a template that disappears upstream becomes `deleted`, so links to it keep their history.
  `create table provider_templates (
     id text collate "C" primary key,
     connection_id text collate "C" not null references provider_connections(id) on delete cascade,
     external_id text not null,
     name text not null,
     description text,
     image_url text,
     state text not null check (state in ('active', 'archived', 'draft', 'deleted')),
     updated_at timestamptz not null default now(),
     unique (connection_id, external_id))`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
