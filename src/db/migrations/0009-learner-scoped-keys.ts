import { sql, type Kysely } from 'kysely';

// The event log, the decisions and the rule states name both an organisation and a learner. Each
// had a foreign key to each, checked separately for every row; the organisation's check also
// locked its one row against deletion, from every recording at once. One key on (organisation,
// learner) checks both, and that they agree, at the cost of one lookup per row.
const statements = [
  `alter table learners add constraint learners_organization_learner_key unique (organization_id, id)`,
  ...['learning_events', 'rule_decisions', 'learner_badge_states'].flatMap((table) => [
    `alter table ${table} add constraint ${table}_learner_fkey
       foreign key (organization_id, learner_id) references learners (organization_id, id) on delete cascade`,
    `alter table ${table} drop constraint ${table}_organization_id_fkey`,
    `alter table ${table} drop constraint ${table}_learner_id_fkey`,
  ]),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
