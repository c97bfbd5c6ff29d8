import type { Selectable } from 'kysely';
import type { AlignmentInput } from '../../credentials/ob3-credential.js';
import type { Db } from '../../db/database.js';
import type { ExpiryPolicy, BadgeClassVersionsTable } from '../../db/schema.js';
import type { AchievementType } from './achievement-types.js';
import type { IssuingBackend } from './issuing-backend.js';

export interface BadgeClass {
  id: string;
  organizationId: string;
  issuerId: string;
  currentVersion: number;
  allowMultiple: boolean;
  /** null: Laurel issues its own credentials only. */
  issuingBackend: IssuingBackend | null;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a version fixes: everything a credential shows about the achievement. */
export interface BadgeClassContent {
  name: string;
  description: string;
  imageId: string;
  criteria: { narrative: string | null; url: string | null };
  achievementType: AchievementType;
  alignments: AlignmentInput[];
  tags: string[];
  /** BCP 47. */
  language: string | null;
  expiry: ExpiryPolicy;
}

export interface BadgeClassVersion extends BadgeClassContent {
  badgeClassId: string;
  version: number;
  createdAt: Date;
}

type BadgeClassRow = {
  id: string;
  organization_id: string;
  issuer_id: string;
  current_version: number;
  allow_multiple: boolean;
  provider_connection_id: string | null;
  provider_template_id: string | null;
  own_credential: boolean;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

type VersionRow = Selectable<BadgeClassVersionsTable>;

const toBadgeClass = (row: BadgeClassRow): BadgeClass => ({
  id: row.id,
  organizationId: row.organization_id,
  issuerId: row.issuer_id,
  currentVersion: row.current_version,
  allowMultiple: row.allow_multiple,
  issuingBackend:
    row.provider_connection_id !== null && row.provider_template_id !== null
      ? { connectionId: row.provider_connection_id, templateId: row.provider_template_id, ownCredential: row.own_credential }
      : null,
  archivedAt: row.archived_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toVersion = (row: VersionRow): BadgeClassVersion => ({
  badgeClassId: row.badge_class_id,
  version: row.version,
  name: row.name,
  description: row.description,
  imageId: row.image_id,
  criteria: { narrative: row.criteria_narrative, url: row.criteria_url },
  achievementType: row.achievement_type as AchievementType,
  alignments: row.alignments as unknown as AlignmentInput[],
  tags: row.tags,
  language: row.language,
  expiry: row.expiry,
  createdAt: row.created_at,
});

const contentColumns = (content: BadgeClassContent) => ({
  name: content.name,
  description: content.description,
  image_id: content.imageId,
  criteria_narrative: content.criteria.narrative,
  criteria_url: content.criteria.url,
  achievement_type: content.achievementType,
  alignments: JSON.stringify(content.alignments),
  tags: content.tags,
  language: content.language,
  expiry: JSON.stringify(content.expiry),
});

/** The three columns that hold a badge class's issuing backend; no backend means Laurel alone. */
const backendColumns = (backend: IssuingBackend | null) => ({
  provider_connection_id: backend?.connectionId ?? null,
  provider_template_id: backend?.templateId ?? null,
  own_credential: backend?.ownCredential ?? true,
});

export async function insertBadgeClass(tx: Db, badgeClass: Pick<BadgeClass, 'id' | 'organizationId' | 'issuerId' | 'allowMultiple' | 'issuingBackend'>): Promise<BadgeClass> {
  const row = await tx
    .insertInto('badge_classes')
    .values({
      id: badgeClass.id,
      organization_id: badgeClass.organizationId,
      issuer_id: badgeClass.issuerId,
      current_version: 1,
      allow_multiple: badgeClass.allowMultiple,
      ...backendColumns(badgeClass.issuingBackend),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toBadgeClass(row);
}

export async function insertVersion(tx: Db, badgeClassId: string, version: number, content: BadgeClassContent): Promise<BadgeClassVersion> {
  const row = await tx
    .insertInto('badge_class_versions')
    .values({ badge_class_id: badgeClassId, version, ...contentColumns(content) })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toVersion(row);
}

export async function replaceVersionContent(tx: Db, badgeClassId: string, version: number, content: BadgeClassContent): Promise<BadgeClassVersion> {
  const row = await tx
    .updateTable('badge_class_versions')
    .set(contentColumns(content))
    .where('badge_class_id', '=', badgeClassId)
    .where('version', '=', version)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toVersion(row);
}

/**
 * A badge class of the organisation. `lock` takes a row lock for the rest of the transaction:
 * `update` for edits (which decide whether a version is frozen), `share` for issuing (so an award
 * and an edit of the version it uses never interleave).
 */
export async function findBadgeClass(db: Db, organizationId: string, id: string, lock?: 'update' | 'share'): Promise<BadgeClass | undefined> {
  let select = db.selectFrom('badge_classes').selectAll().where('organization_id', '=', organizationId).where('id', '=', id);
  if (lock === 'update') select = select.forUpdate();
  if (lock === 'share') select = select.forShare();
  const row = await select.executeTakeFirst();
  return row && toBadgeClass(row);
}

/** A badge class by id alone: its public documents belong to no caller. */
export async function findBadgeClassById(db: Db, id: string): Promise<BadgeClass | undefined> {
  const row = await db.selectFrom('badge_classes').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toBadgeClass(row);
}

export async function findVersion(db: Db, badgeClassId: string, version: number): Promise<BadgeClassVersion | undefined> {
  const row = await db.selectFrom('badge_class_versions').selectAll().where('badge_class_id', '=', badgeClassId).where('version', '=', version).executeTakeFirst();
  return row && toVersion(row);
}

export interface BadgeClassQuery {
  issuerId?: string;
  /** true: only archived ones; false: only active ones. */
  archived: boolean;
  after?: string;
  limit: number;
}

export async function listBadgeClasses(db: Db, organizationId: string, query: BadgeClassQuery): Promise<{ items: { badgeClass: BadgeClass; version: BadgeClassVersion }[]; nextCursor: string | null }> {
  let select = db
    .selectFrom('badge_classes as c')
    .innerJoin('badge_class_versions as v', (join) => join.onRef('v.badge_class_id', '=', 'c.id').onRef('v.version', '=', 'c.current_version'))
    .selectAll('c')
    .select([
      'v.badge_class_id',
      'v.version',
      'v.name',
      'v.description',
      'v.image_id',
      'v.criteria_narrative',
      'v.criteria_url',
      'v.achievement_type',
      'v.alignments',
      'v.tags',
      'v.language',
      'v.expiry',
      'v.created_at as version_created_at',
    ])
    .where('c.organization_id', '=', organizationId)
    .where('c.archived_at', query.archived ? 'is not' : 'is', null);
  if (query.issuerId) select = select.where('c.issuer_id', '=', query.issuerId);
  if (query.after) select = select.where('c.id', '>', query.after);
  const rows = await select.orderBy('c.id').limit(query.limit + 1).execute();
  const items = rows.slice(0, query.limit).map((row) => ({ badgeClass: toBadgeClass(row), version: toVersion({ ...row, created_at: row.version_created_at }) }));
  return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.badgeClass.id ?? null) : null };
}

export async function updateBadgeClass(
  tx: Db,
  id: string,
  changes: Partial<Pick<BadgeClass, 'currentVersion' | 'allowMultiple' | 'archivedAt' | 'issuingBackend'>>,
  at: Date,
): Promise<BadgeClass> {
  const row = await tx
    .updateTable('badge_classes')
    .set({
      current_version: changes.currentVersion,
      allow_multiple: changes.allowMultiple,
      archived_at: changes.archivedAt,
      ...(changes.issuingBackend !== undefined && backendColumns(changes.issuingBackend)),
      updated_at: at,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toBadgeClass(row);
}

/** Whether any award was issued with this version, which freezes it. */
export async function versionHasAwards(db: Db, badgeClassId: string, version: number): Promise<boolean> {
  const row = await db.selectFrom('awards').select('id').where('badge_class_id', '=', badgeClassId).where('badge_class_version', '=', version).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** How many badge classes deliver through a connection (which then cannot be deleted). */
export async function countBadgeClassesUsingConnection(db: Db, connectionId: string): Promise<number> {
  const row = await db.selectFrom('badge_classes').select((eb) => eb.fn.countAll<string>().as('count')).where('provider_connection_id', '=', connectionId).executeTakeFirstOrThrow();
  return Number(row.count);
}
