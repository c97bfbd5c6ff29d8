import { sql, type Kysely } from 'kysely';

// A learner's events in the order they were recorded: an `events.process` job looks here for
// earlier events of its learners that another job has yet to decide, and waits for them.
const statements = [`create index learning_events_learner_idx on learning_events (learner_id, received_at)`];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
