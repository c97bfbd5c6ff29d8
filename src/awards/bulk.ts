import { sql } from 'kysely';
import type { OperationContext } from '../auth/principal.js';
import { recordAudit } from '../audit/store.js';
import { inTransaction, type Db } from '../db/database.js';
import { enqueue } from '../jobs/queue.js';
import { AppError, notFound } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { bulkRowRequest, maxBulkRows, type BulkRowInput } from './bulk-rows.js';
import type { IssuingCatalog } from './ports.js';
import type { AwardRequest, AwardService } from './service.js';

export const bulkIssueJob = 'awards.bulk';

/** Rows issued per transaction: large enough to batch signing and inserts, small enough to show progress. */
const chunkSize = 250;

export interface BulkRowResult {
  row: number;
  email: string | null;
  outcome: 'awarded' | 'already_held' | 'rejected' | null;
  awardId: string | null;
  reason: string | null;
}

export interface BulkIssue {
  id: string;
  badgeClassId: string;
  status: 'pending' | 'done';
  total: number;
  done: number;
  /** Whether every recipient awarded is e-mailed. */
  notify: boolean;
  counts: { awarded: number; alreadyHeld: number; rejected: number };
  createdAt: Date;
  finishedAt: Date | null;
}

export interface BulkIssueOptions {
  notify?: boolean;
  /** Where the request carried `notify`, for the error that refuses it while e-mail is off. */
  notifyField?: string;
}

/** The job payload: who asked, so the awards are audited as theirs. */
interface BulkJobPayload {
  bulkIssueId: string;
  context: OperationContext;
}

/**
 * Bulk issue: the rows are stored at once (durable before we answer), then issued by a job in
 * chunks. Each chunk's awards and row outcomes commit together, so a crash resumes where it
 * stopped without issuing a row twice; invalid rows are rejected with a reason and never stop
 * the others.
 */
export class BulkIssueService {
  constructor(private readonly options: { db: Db; awards: AwardService; catalog: IssuingCatalog }) {}

  async create(context: OperationContext, badgeClassId: string, rows: BulkRowInput[], options: BulkIssueOptions = {}): Promise<BulkIssue> {
    if (rows.length === 0) throw new AppError('unprocessable', 'The bulk issue has no rows.');
    if (options.notify) this.options.awards.requireEmail(options.notifyField);
    if (rows.length > maxBulkRows) throw new AppError('payload_too_large', `At most ${maxBulkRows} rows per bulk issue; split the file.`);
    // Refuse an unknown or archived badge class now, not row by row later.
    await this.options.catalog.badgeClassForIssuing(context.organizationId, badgeClassId);
    const id = newId('bulkIssue');
    await inTransaction(this.options.db, async (tx) => {
      await tx.insertInto('bulk_issues').values({ id, organization_id: context.organizationId, badge_class_id: badgeClassId, total: rows.length, notify: options.notify ?? false }).execute();
      for (let start = 0; start < rows.length; start += 1000) {
        await tx
          .insertInto('bulk_issue_rows')
          .values(rows.slice(start, start + 1000).map((input, offset) => ({ bulk_issue_id: id, row_number: start + offset + 1, input: JSON.stringify(input) })))
          .execute();
      }
      await recordAudit(tx, context, { action: 'bulk_issue.created', target: { type: 'bulk_issue', id }, details: { badgeClassId, rows: rows.length, notify: options.notify ?? false } });
      await enqueue(tx, bulkIssueJob, { bulkIssueId: id, context } satisfies BulkJobPayload, { organizationId: context.organizationId });
    });
    return this.get(context, id);
  }

  async get(context: OperationContext, id: string): Promise<BulkIssue> {
    const row = await this.options.db
      .selectFrom('bulk_issues')
      .selectAll()
      .where('organization_id', '=', context.organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Bulk issue');
    const { rows: counts } = await sql<{ outcome: string; n: number }>`
      select outcome, count(*)::int as n from bulk_issue_rows where bulk_issue_id = ${id} and outcome is not null group by outcome`.execute(this.options.db);
    const count = (outcome: string) => counts.find((c) => c.outcome === outcome)?.n ?? 0;
    return {
      id: row.id,
      badgeClassId: row.badge_class_id,
      status: row.finished_at ? 'done' : 'pending',
      total: row.total,
      done: row.done,
      notify: row.notify,
      counts: { awarded: count('awarded'), alreadyHeld: count('already_held'), rejected: count('rejected') },
      createdAt: row.created_at,
      finishedAt: row.finished_at,
    };
  }

  async rows(context: OperationContext, id: string, after: number, limit: number): Promise<{ items: BulkRowResult[]; nextCursor: string | null }> {
    await this.get(context, id);
    const rows = await this.options.db
      .selectFrom('bulk_issue_rows')
      .selectAll()
      .where('bulk_issue_id', '=', id)
      .where('row_number', '>', after)
      .orderBy('row_number')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map((row) => ({
      row: row.row_number,
      email: typeof row.input.email === 'string' ? row.input.email : null,
      outcome: row.outcome,
      awardId: row.award_id,
      reason: row.reason,
    }));
    return { items, nextCursor: rows.length > limit ? String(items.at(-1)?.row) : null };
  }

  /** Issues every row not yet done; `progress` hears (done, total) after each chunk. */
  async process(payload: unknown, progress?: (done: number, total: number) => void): Promise<void> {
    const { bulkIssueId, context } = payload as BulkJobPayload;
    const { db } = this.options;
    const bulk = await db.selectFrom('bulk_issues').selectAll().where('id', '=', bulkIssueId).executeTakeFirst();
    if (!bulk || bulk.finished_at) return;
    for (;;) {
      const pending = await db
        .selectFrom('bulk_issue_rows')
        .select(['row_number', 'input'])
        .where('bulk_issue_id', '=', bulkIssueId)
        .where('outcome', 'is', null)
        .orderBy('row_number')
        .limit(chunkSize)
        .execute();
      if (pending.length === 0) break;
      const wellFormed: { row: number; request: AwardRequest }[] = [];
      const rejected: RowOutcome[] = [];
      for (const { row_number: row, input } of pending) {
        const request = bulkRowRequest(input as BulkRowInput);
        if ('rejected' in request) rejected.push(rejection(row, request.rejected));
        else wellFormed.push({ row, request: { ...request, notify: bulk.notify } });
      }
      // Rows that are well formed but cannot be issued with this badge class's expiry policy.
      const invalid = await this.options.awards.invalidRequests(context, bulk.badge_class_id, wellFormed.map((v) => v.request));
      const valid: typeof wellFormed = [];
      wellFormed.forEach((candidate, position) => {
        const reason = invalid.get(position);
        if (reason === undefined) valid.push(candidate);
        else rejected.push(rejection(candidate.row, reason));
      });
      if (valid.length === 0) {
        await inTransaction(db, (tx) => recordOutcomes(tx, bulkIssueId, rejected));
      } else {
        await this.options.awards.issue(context, bulk.badge_class_id, valid.map((v) => v.request), (tx, outcomes) =>
          recordOutcomes(tx, bulkIssueId, [...rejected, ...outcomes.map((o, i) => ({ row: valid[i]!.row, outcome: o.outcome, awardId: o.award.id, reason: null }))]),
        );
      }
      if (progress) {
        const current = await db.selectFrom('bulk_issues').select(['done', 'total']).where('id', '=', bulkIssueId).executeTakeFirstOrThrow();
        progress(current.done, current.total);
      }
    }
    await db.updateTable('bulk_issues').set({ finished_at: new Date() }).where('id', '=', bulkIssueId).where('finished_at', 'is', null).execute();
  }
}

interface RowOutcome {
  row: number;
  outcome: 'awarded' | 'already_held' | 'rejected';
  awardId: string | null;
  reason: string | null;
}

const rejection = (row: number, reason: string): RowOutcome => ({ row, outcome: 'rejected', awardId: null, reason });

/** Stores a chunk's row outcomes in one statement (not one per row) and counts them done. */
async function recordOutcomes(tx: Db, bulkIssueId: string, outcomes: readonly RowOutcome[]): Promise<void> {
  await sql`
    update bulk_issue_rows r set outcome = o.outcome, award_id = o.award_id, reason = o.reason
    from unnest(${outcomes.map((o) => o.row)}::int[], ${outcomes.map((o) => o.outcome)}::text[], ${outcomes.map((o) => o.awardId)}::text[], ${outcomes.map((o) => o.reason)}::text[])
      as o(row_number, outcome, award_id, reason)
    where r.bulk_issue_id = ${bulkIssueId} and r.row_number = o.row_number`.execute(tx);
  await tx.updateTable('bulk_issues').set({ done: sql`done + ${outcomes.length}` }).where('id', '=', bulkIssueId).execute();
}
