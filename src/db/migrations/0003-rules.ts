import { sql, type Kysely } from 'kysely';

// Automatic awarding: rule sets per badge class, the event log, learners, their rule states and
// the decision taken for each event.
const statements = [
  // One row per badge class that has rules. `revision` grows with every change to the set, its
  // requirements or penalties: compiled rule indexes are cached per organisation by it.
  `create table rule_sets (
     badge_class_id text collate "C" primary key references badge_classes(id) on delete cascade,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     active boolean not null default false,
     reaward_after_revoke boolean not null default false,
     revision integer not null default 1,
     updated_at timestamptz not null default now())`,
  `create index rule_sets_org_idx on rule_sets (organization_id) where active`,

  // `definition` holds the rest of the rules model's Requirement / Penalty (without id and type).
  `create table rule_requirements (
     id text collate "C" primary key,
     badge_class_id text collate "C" not null references rule_sets(badge_class_id) on delete cascade,
     event_type text not null,
     definition jsonb not null,
     created_at timestamptz not null default now())`,
  `create index rule_requirements_badge_class_idx on rule_requirements (badge_class_id, id)`,
  `create table rule_penalties (
     id text collate "C" primary key,
     badge_class_id text collate "C" not null references rule_sets(badge_class_id) on delete cascade,
     event_type text not null,
     definition jsonb not null,
     created_at timestamptz not null default now())`,
  `create index rule_penalties_badge_class_idx on rule_penalties (badge_class_id, id)`,

  // A learner per organisation and (source, user id in the source); contact details follow the
  // newest event.
  `create table learners (
     id text collate "C" primary key,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     source text not null,
     external_id text not null,
     email text not null,
     name text,
     username text,
     last_event_at timestamptz not null,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (organization_id, source, external_id))`,

  // The event log. (organisation, source, event id) is the de-duplication key: a second copy of an
  // event is acknowledged and ignored. `event` is the normalised event as rules read it.
  `create table learning_events (
     id text collate "C" primary key,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     source text not null,
     external_id text not null,
     type text not null,
     time timestamptz not null,
     learner_id text collate "C" not null references learners(id) on delete cascade,
     event jsonb not null,
     received_at timestamptz not null default now(),
     unique (organization_id, source, external_id))`,

  // What the rules last left for a learner and a badge class (rules' LearnerBadgeState), and the
  // award they made. `revision` makes concurrent writers of one state detect each other.
  `create table learner_badge_states (
     learner_id text collate "C" not null references learners(id) on delete cascade,
     badge_class_id text collate "C" not null references badge_classes(id) on delete cascade,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     state jsonb not null,
     award_id text collate "C" references awards(id),
     revision integer not null default 1,
     updated_at timestamptz not null default now(),
     primary key (learner_id, badge_class_id))`,

  // One decision per processed event: its presence marks the event processed. `transitions`
  // lists each award or revocation the event caused with whether it has been carried out.
  `create table rule_decisions (
     event_id text collate "C" primary key references learning_events(id) on delete cascade,
     organization_id text collate "C" not null references organizations(id) on delete cascade,
     learner_id text collate "C" not null references learners(id) on delete cascade,
     explanation jsonb not null,
     transitions jsonb not null,
     created_at timestamptz not null default now())`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
