import { sql, type Kysely } from 'kysely';

// Issuers, their keys, badge classes (versioned), images, status lists and awards.
const statements = [
  `create table images (
     id text collate "C" primary key,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     content_type text not null check (content_type in ('image/png', 'image/svg+xml')),
     bytes bytea not null,
     sha256 text not null,
     created_at timestamptz not null default now())`,
  `create index images_org_idx on images (organization_id)`,

  `create table issuers (
     id text collate "C" primary key,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     did text not null,
     name text not null,
     url text not null,
     email text,
     description text,
     image_id text collate "C" references images(id),
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now())`,
  `create index issuers_org_idx on issuers (organization_id, id)`,
  `create index issuers_did_idx on issuers (did)`,

  // Keys are never deleted: a retired key stays published so old credentials keep verifying.
  `create table issuer_keys (
     issuer_id text collate "C" not null references issuers(id) on delete cascade,
     algorithm text not null check (algorithm in ('Ed25519', 'P-256')),
     version integer not null,
     public_key jsonb not null,
     sealed_private_key text not null,
     created_at timestamptz not null default now(),
     retired_at timestamptz,
     primary key (issuer_id, algorithm, version))`,

  `create table badge_classes (
     id text collate "C" primary key,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     issuer_id text collate "C" not null references issuers(id),
     current_version integer not null default 1,
     allow_multiple boolean not null default false,
     archived_at timestamptz,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now())`,
  `create index badge_classes_org_idx on badge_classes (organization_id, id)`,

  // A version is frozen once an award refers to it; edits then create the next version.
  `create table badge_class_versions (
     badge_class_id text collate "C" not null references badge_classes(id) on delete cascade,
     version integer not null,
     name text not null,
     description text not null,
     image_id text collate "C" not null references images(id),
     criteria_narrative text,
     criteria_url text,
     achievement_type text not null,
     alignments jsonb not null default '[]',
     tags text[] not null default '{}',
     language text,
     expiry jsonb not null,
     created_at timestamptz not null default now(),
     primary key (badge_class_id, version))`,

  // One BitstringStatusList per issuer and purpose at a time; a full list is closed and a new one opened.
  `create table status_lists (
     id text collate "C" primary key,
     issuer_id text collate "C" not null references issuers(id) on delete cascade,
     purpose text not null check (purpose in ('revocation')),
     length integer not null check (length >= 131072),
     next_index integer not null default 0,
     set_indexes integer[] not null default '{}',
     credential jsonb,
     credential_version integer not null default 0,
     updated_at timestamptz not null default now())`,
  `create index status_lists_issuer_idx on status_lists (issuer_id, purpose)`,

  `create table awards (
     id text collate "C" primary key,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     badge_class_id text collate "C" not null references badge_classes(id),
     badge_class_version integer not null,
     issuer_id text collate "C" not null references issuers(id),
     recipient_email text not null,
     recipient_name text,
     recipient_did text,
     recipient_external_id text,
     recipient_salt text not null,
     evidence jsonb not null default '[]',
     narrative text,
     issued_on timestamptz not null,
     expires_on timestamptz,
     status text not null check (status in ('awarded', 'revoked')),
     revoked_at timestamptz,
     revocation_reason text,
     exclusive boolean not null,
     status_list_id text collate "C" not null references status_lists(id),
     status_index integer not null,
     credential jsonb,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     foreign key (badge_class_id, badge_class_version) references badge_class_versions(badge_class_id, version),
     unique (status_list_id, status_index))`,
  // Single-holding badge classes: at most one live award per recipient, enforced by the database.
  `create unique index awards_exclusive_key on awards (badge_class_id, lower(recipient_email)) where status = 'awarded' and exclusive`,
  `create index awards_org_idx on awards (organization_id, id)`,
  `create index awards_badge_class_idx on awards (badge_class_id, id)`,
  `create index awards_recipient_idx on awards (organization_id, lower(recipient_email))`,

  `create table bulk_issues (
     id text collate "C" primary key,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     badge_class_id text collate "C" not null references badge_classes(id),
     total integer not null,
     done integer not null default 0,
     created_at timestamptz not null default now(),
     finished_at timestamptz)`,
  `create table bulk_issue_rows (
     bulk_issue_id text collate "C" not null references bulk_issues(id) on delete cascade,
     row_number integer not null,
     input jsonb not null,
     outcome text check (outcome in ('awarded', 'already_held', 'rejected')),
     award_id text collate "C",
     reason text,
     primary key (bulk_issue_id, row_number))`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
