import { sql, type Kysely } from 'kysely';

// Operator-registered event types, rejected bus messages, learners without an e-mail, and the
// causal chain of Laurel's own badge events.
const statements = [
  // Event types an organisation describes with a JSON schema (draft-07). Only that organisation
  // sees them; the name cannot be a built-in type's. `json`, not `jsonb`: the schema is kept as
  // written, property order included (it orders the key paths shown to rule authors).
  `create table event_types (
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     type text collate "C" not null,
     description text not null default '',
     schema json not null,
     created_at timestamptz not null default now(),
     primary key (organization_id, type))`,

  // Open edX bus messages that could not be recorded, with the reason. One row per stream entry,
  // so a redelivered batch does not store its rejections twice.
  `create table rejected_events (
     id text collate "C" primary key,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     stream text not null,
     stream_entry_id text not null,
     type text,
     source text,
     external_id text,
     reason text not null,
     received_at timestamptz not null default now(),
     unique (organization_id, stream, stream_entry_id))`,
  `create index rejected_events_org_idx on rejected_events (organization_id, id)`,

  // Some Open edX events name a learner by user id alone; the e-mail arrives with a later event.
  // Awards reach learners by e-mail (a badge awarded by hand counts for every learner with it).
  `alter table learners alter column email drop not null`,
  `create index learners_email_idx on learners (organization_id, lower(email))`,

  // Laurel's own badge events: the event whose processing made the award (null when a person or
  // a bulk issue made it) and how many badge events lead back to a learning event, which bounds
  // chains of badge dependencies that form a cycle.
  `alter table learning_events
     add column caused_by text collate "C" references learning_events(id) on delete set null,
     add column depth integer not null default 0`,

  // A decision with an award that waits for its learner's e-mail: found by learner once an event
  // brings one.
  `alter table rule_decisions add column waiting boolean not null default false`,
  `create index rule_decisions_waiting_idx on rule_decisions (learner_id) where waiting`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
