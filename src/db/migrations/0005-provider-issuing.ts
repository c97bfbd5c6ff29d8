import { sql, type Kysely } from 'kysely';

// Badge classes that issue through Credly or Accredible, and the delivery of each award there.
const statements = [
  // The link is by Laurel's template row, which a sync never removes (a template deleted upstream
  // turns `deleted`); a connection cannot be deleted while badge classes use it. Deleting an unused
  // connection takes the delivery records of its past awards with it (the awards stay).
  `alter table badge_classes
     add column provider_connection_id text collate "C" references provider_connections(id),
     add column provider_template_id text collate "C" references provider_templates(id),
     add column own_credential boolean not null default true,
     add constraint badge_classes_provider_link check ((provider_connection_id is null) = (provider_template_id is null))`,

  // One row per award of a provider-backed badge class: what the provider holds for it. The
  // delivery job reconciles it with the award (issue while awarded, revoke once revoked);
  // `claimed_until` keeps two workers from talking to the provider about one award at once, and
  // `attempts` tells a retry that an earlier try may have reached the provider.
  `create table award_deliveries (
     award_id text collate "C" primary key references awards(id) on delete cascade,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     connection_id text collate "C" not null references provider_connections(id) on delete cascade,
     template_id text collate "C" not null references provider_templates(id) on delete cascade,
     external_id text,
     state text not null check (state in ('queued', 'created', 'pending', 'accepted', 'rejected', 'revoked', 'expired', 'error')),
     provider_state text,
     url text,
     error text,
     attempts integer not null default 0,
     claimed_until timestamptz,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now())`,
  `create index award_deliveries_external_idx on award_deliveries (connection_id, external_id)`,
  `create index award_deliveries_org_state_idx on award_deliveries (organization_id, state)`,
  `create index badge_classes_provider_connection_idx on badge_classes (provider_connection_id) where provider_connection_id is not null`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
