import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { BadgeClassRules, Penalty, Requirement } from '../rules/index.js';

/** A badge class's rules as stored: the rules model plus whether they apply. */
export interface RuleSet extends BadgeClassRules {
  active: boolean;
  /** null until the badge class first gets rules. */
  updatedAt: Date | null;
}

type EntryTable = 'rule_requirements' | 'rule_penalties';

interface EntryRow {
  id: string;
  badge_class_id: string;
  event_type: string;
  definition: Record<string, unknown>;
}

/** Requirements and penalties share one row shape: id, event type and the rest as JSON. */
function toEntry<T extends Requirement | Penalty>(row: EntryRow): T {
  return { id: row.id, eventType: row.event_type, ...row.definition } as T;
}

function entryValues(badgeClassId: string, entry: Requirement | Penalty) {
  const { id, eventType, ...definition } = entry;
  return { id, badge_class_id: badgeClassId, event_type: eventType, definition: JSON.stringify(definition) };
}

async function entriesOf(db: Db, table: EntryTable, badgeClassIds: readonly string[]): Promise<EntryRow[]> {
  if (badgeClassIds.length === 0) return [];
  return db.selectFrom(table).select(['id', 'badge_class_id', 'event_type', 'definition']).where('badge_class_id', 'in', badgeClassIds).orderBy('id').execute();
}

interface RuleSetRow {
  badge_class_id: string;
  active: boolean;
  reaward_after_revoke: boolean;
  updated_at: Date;
}

async function assemble(db: Db, rows: readonly RuleSetRow[]): Promise<RuleSet[]> {
  const ids = rows.map((row) => row.badge_class_id);
  const [requirements, penalties] = await Promise.all([entriesOf(db, 'rule_requirements', ids), entriesOf(db, 'rule_penalties', ids)]);
  return rows.map((row) => ({
    badgeClassId: row.badge_class_id,
    active: row.active,
    reawardAfterRevoke: row.reaward_after_revoke,
    updatedAt: row.updated_at,
    requirements: requirements.filter((r) => r.badge_class_id === row.badge_class_id).map((r) => toEntry<Requirement>(r)),
    penalties: penalties.filter((p) => p.badge_class_id === row.badge_class_id).map((p) => toEntry<Penalty>(p)),
  }));
}

/**
 * The badge class's rule set, created empty (inactive) on first use and locked until the
 * transaction ends, so concurrent edits of one badge class's rules apply one after the other.
 */
export async function lockRuleSet(tx: Db, organizationId: string, badgeClassId: string): Promise<RuleSet> {
  await tx.insertInto('rule_sets').values({ badge_class_id: badgeClassId, organization_id: organizationId }).onConflict((c) => c.column('badge_class_id').doNothing()).execute();
  const row = await tx.selectFrom('rule_sets').select(['badge_class_id', 'active', 'reaward_after_revoke', 'updated_at']).where('badge_class_id', '=', badgeClassId).forUpdate().executeTakeFirstOrThrow();
  const [ruleSet] = await assemble(tx, [row]);
  return ruleSet!;
}

/** The badge class's rule set, or an empty inactive one when it has none yet. */
export async function findRuleSet(db: Db, badgeClassId: string): Promise<RuleSet> {
  const row = await db.selectFrom('rule_sets').select(['badge_class_id', 'active', 'reaward_after_revoke', 'updated_at']).where('badge_class_id', '=', badgeClassId).executeTakeFirst();
  if (!row) return { badgeClassId, active: false, reawardAfterRevoke: false, updatedAt: null, requirements: [], penalties: [] };
  const [ruleSet] = await assemble(db, [row]);
  return ruleSet!;
}

export interface RuleSetSettings {
  active?: boolean;
  reawardAfterRevoke?: boolean;
}

/** Records a change to the set (its own settings or its entries): the revision feeds the cache key. */
export async function touchRuleSet(tx: Db, badgeClassId: string, now: Date, settings: RuleSetSettings): Promise<void> {
  await tx
    .updateTable('rule_sets')
    .set({
      revision: sql`revision + 1`,
      updated_at: now,
      ...(settings.active !== undefined && { active: settings.active }),
      ...(settings.reawardAfterRevoke !== undefined && { reaward_after_revoke: settings.reawardAfterRevoke }),
    })
    .where('badge_class_id', '=', badgeClassId)
    .execute();
}

export async function insertRuleEntry(tx: Db, table: EntryTable, badgeClassId: string, entry: Requirement | Penalty): Promise<void> {
  await tx.insertInto(table).values(entryValues(badgeClassId, entry)).execute();
}

export async function deleteRuleEntry(tx: Db, table: EntryTable, badgeClassId: string, id: string): Promise<void> {
  await tx.deleteFrom(table).where('badge_class_id', '=', badgeClassId).where('id', '=', id).execute();
}

/** A requirement or penalty with the badge class it belongs to. */
export interface OwnedEntry<T extends Requirement | Penalty> {
  badgeClassId: string;
  entry: T;
}

/** Every requirement and penalty of the organisation, active or not, that reads events of `eventType`. */
export async function ruleEntriesOfType(
  db: Db,
  organizationId: string,
  eventType: string,
): Promise<{ requirements: OwnedEntry<Requirement>[]; penalties: OwnedEntry<Penalty>[] }> {
  const of = (table: EntryTable) =>
    db
      .selectFrom(table)
      .innerJoin('rule_sets', 'rule_sets.badge_class_id', `${table}.badge_class_id`)
      .select([`${table}.id`, `${table}.badge_class_id`, `${table}.event_type`, `${table}.definition`])
      .where('rule_sets.organization_id', '=', organizationId)
      .where(`${table}.event_type`, '=', eventType)
      .orderBy(`${table}.id`)
      .execute();
  const [requirements, penalties] = await Promise.all([of('rule_requirements'), of('rule_penalties')]);
  const owned = <T extends Requirement | Penalty>(row: EntryRow): OwnedEntry<T> => ({ badgeClassId: row.badge_class_id, entry: toEntry<T>(row) });
  return { requirements: requirements.map((r) => owned<Requirement>(r)), penalties: penalties.map((p) => owned<Penalty>(p)) };
}

/** Active rule sets of badge classes that still award (not archived): what events are evaluated against. */
function activeRuleSets(db: Db, organizationId: string) {
  return db
    .selectFrom('rule_sets')
    .innerJoin('badge_classes', 'badge_classes.id', 'rule_sets.badge_class_id')
    .where('rule_sets.organization_id', '=', organizationId)
    .where('rule_sets.active', '=', true)
    .where('badge_classes.archived_at', 'is', null);
}

/**
 * Identifies the organisation's active rules as they are now: which rule sets take part and at
 * which revision. Any edit, activation or archiving changes it, in whichever process it happened.
 */
export async function activeRulesFingerprint(db: Db, organizationId: string): Promise<string> {
  const row = await activeRuleSets(db, organizationId)
    .select(sql<string | null>`md5(string_agg(rule_sets.badge_class_id || ':' || rule_sets.revision, ',' order by rule_sets.badge_class_id))`.as('fingerprint'))
    .executeTakeFirst();
  return row?.fingerprint ?? 'none';
}

export async function loadActiveRuleSets(db: Db, organizationId: string): Promise<RuleSet[]> {
  const rows = await activeRuleSets(db, organizationId)
    .select(['rule_sets.badge_class_id', 'rule_sets.active', 'rule_sets.reaward_after_revoke', 'rule_sets.updated_at'])
    .orderBy('rule_sets.badge_class_id')
    .execute();
  return assemble(db, rows);
}
