import { sql, type Kysely } from 'kysely';

// Most learning events concern no active rule (a course without badges, an event type no rule
// names). Such an event is decided as it is recorded, without a decision row: `skipped_by_index`
// is its whole explanation, how many requirements and penalties the rule index ruled out. Null on
// every other event, whose decision, once taken, is its `rule_decisions` row.
const statements = [`alter table learning_events add column skipped_by_index integer`];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
