import { sql, type Kysely } from 'kysely';

// E-mail notification of awards.
const statements = [
  // When the recipient was e-mailed about the award; the sending job checks it first, so a job
  // that runs again does not send the e-mail twice.
  `alter table awards add column notified_at timestamptz`,
  // Whether a bulk issue e-mails every recipient it awards.
  `alter table bulk_issues add column notify boolean not null default false`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
