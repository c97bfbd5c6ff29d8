import { sql, type Kysely } from 'kysely';

// Every recording updates its learners' rows (the newest event's time and contact details). With
// room left on each page, PostgreSQL writes the new row version beside the old one and leaves the
// indexes alone (a heap-only update); on a full page it writes it elsewhere and adds an entry to
// each of the table's four indexes. Applies to pages written from now on.
const statements = [`alter table learners set (fillfactor = 70)`];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
