import { recordAudit } from '../../audit/store.js';
import type { OperationContext } from '../../auth/principal.js';
import { inTransaction, type Db } from '../../db/database.js';
import type { Clock } from '../../kernel/clock.js';
import { notFound } from '../../kernel/errors.js';
import { newId } from '../../kernel/ids.js';
import { findIssuerById, type Issuer } from '../issuers/store.js';
import { requireOwnImage, requireOwnIssuer } from '../references.js';
import { requireCriteria, sameContent } from './content-rules.js';
import type { IssuingBackendRequest, IssuingBackendResolver } from './issuing-backend.js';
import {
  findBadgeClass,
  findBadgeClassById,
  findVersion,
  insertBadgeClass,
  insertVersion,
  listBadgeClasses,
  replaceVersionContent,
  updateBadgeClass,
  versionHasAwards,
  type BadgeClass,
  type BadgeClassContent,
  type BadgeClassQuery,
  type BadgeClassVersion,
} from './store.js';

export interface BadgeClassWithVersion {
  badgeClass: BadgeClass;
  /** The current version. */
  version: BadgeClassVersion;
}

export type BadgeClassChanges = Partial<BadgeClassContent> & {
  allowMultiple?: boolean;
  /** null switches back to Laurel's own credentials only. */
  issuingBackend?: IssuingBackendRequest | null;
};

export interface BadgeClassServiceOptions {
  db: Db;
  clock: Clock;
  /** Checks links to provider templates (the providers capability knows connections). */
  resolveIssuingBackend: IssuingBackendResolver;
}

/**
 * Badge classes and their versions. A version is frozen once an award uses it: editing then
 * creates the next version, so every credential keeps describing what its holder earned.
 */
export class BadgeClassService {
  constructor(private readonly options: BadgeClassServiceOptions) {}

  async create(
    context: OperationContext,
    input: { issuerId: string; allowMultiple: boolean; content: BadgeClassContent; issuingBackend?: IssuingBackendRequest },
  ): Promise<BadgeClassWithVersion> {
    requireCriteria(input.content.criteria, 'body/criteria');
    return inTransaction(this.options.db, async (tx) => {
      await requireOwnIssuer(tx, context.organizationId, input.issuerId, 'body/issuerId');
      await requireOwnImage(tx, context.organizationId, input.content.imageId, 'body/imageId');
      const issuingBackend = input.issuingBackend ? await this.options.resolveIssuingBackend(tx, context.organizationId, input.issuingBackend, 'body/issuingBackend') : null;
      const badgeClass = await insertBadgeClass(tx, { id: newId('badgeClass'), organizationId: context.organizationId, issuerId: input.issuerId, allowMultiple: input.allowMultiple, issuingBackend });
      const version = await insertVersion(tx, badgeClass.id, 1, input.content);
      await recordAudit(tx, context, {
        action: 'badge_class.created',
        target: { type: 'badge_class', id: badgeClass.id },
        details: { issuerId: input.issuerId, name: version.name, ...(issuingBackend && { issuingBackend }) },
      });
      return { badgeClass, version };
    });
  }

  list(context: OperationContext, query: BadgeClassQuery) {
    return listBadgeClasses(this.options.db, context.organizationId, query);
  }

  async get(context: OperationContext, id: string): Promise<BadgeClassWithVersion> {
    const badgeClass = await findBadgeClass(this.options.db, context.organizationId, id);
    if (!badgeClass) throw notFound('Badge class');
    return { badgeClass, version: await this.#version(badgeClass.id, badgeClass.currentVersion) };
  }

  async getVersion(context: OperationContext, id: string, version: number): Promise<BadgeClassVersion> {
    if (!(await findBadgeClass(this.options.db, context.organizationId, id))) throw notFound('Badge class');
    return this.#version(id, version);
  }

  /** Edits in place while no award uses the current version; otherwise adds version n+1. */
  async update(context: OperationContext, id: string, changes: BadgeClassChanges): Promise<BadgeClassWithVersion> {
    const { allowMultiple, issuingBackend: backendRequest, ...contentChanges } = changes;
    const now = this.options.clock.now();
    return inTransaction(this.options.db, async (tx) => {
      let badgeClass = await findBadgeClass(tx, context.organizationId, id, 'update');
      if (!badgeClass) throw notFound('Badge class');
      const current = await this.#version(id, badgeClass.currentVersion, tx);
      const content: BadgeClassContent = { ...current, ...contentChanges };
      requireCriteria(content.criteria, 'body/criteria');
      if (contentChanges.imageId !== undefined) await requireOwnImage(tx, context.organizationId, contentChanges.imageId, 'body/imageId');
      // A new backend applies to awards made from now on; earlier awards keep their deliveries.
      const issuingBackend = backendRequest ? await this.options.resolveIssuingBackend(tx, context.organizationId, backendRequest, 'body/issuingBackend') : backendRequest;

      let version = current;
      let versionCreated = false;
      if (!sameContent(current, content)) {
        versionCreated = await versionHasAwards(tx, id, current.version);
        version = versionCreated ? await insertVersion(tx, id, current.version + 1, content) : await replaceVersionContent(tx, id, current.version, content);
      }
      badgeClass = await updateBadgeClass(tx, id, { currentVersion: version.version, allowMultiple, issuingBackend }, now);
      await recordAudit(tx, context, {
        action: 'badge_class.updated',
        target: { type: 'badge_class', id },
        details: { fields: Object.keys(changes), version: version.version, versionCreated },
      });
      return { badgeClass, version };
    });
  }

  /** Archived badge classes take no new awards and leave default listings; their documents stay public. */
  async archive(context: OperationContext, id: string): Promise<BadgeClassWithVersion> {
    const now = this.options.clock.now();
    return inTransaction(this.options.db, async (tx) => {
      let badgeClass = await findBadgeClass(tx, context.organizationId, id, 'update');
      if (!badgeClass) throw notFound('Badge class');
      if (!badgeClass.archivedAt) {
        badgeClass = await updateBadgeClass(tx, id, { archivedAt: now }, now);
        await recordAudit(tx, context, { action: 'badge_class.archived', target: { type: 'badge_class', id } });
      }
      return { badgeClass, version: await this.#version(id, badgeClass.currentVersion, tx) };
    });
  }

  /** One version with its badge class and issuer, for the public documents (no caller, any organisation). */
  async publicVersion(id: string, version: number): Promise<{ badgeClass: BadgeClass; version: BadgeClassVersion; issuer: Issuer }> {
    const badgeClass = await findBadgeClassById(this.options.db, id);
    const found = badgeClass && (await findVersion(this.options.db, id, version));
    const issuer = badgeClass && (await findIssuerById(this.options.db, badgeClass.issuerId));
    if (!badgeClass || !found || !issuer) throw notFound('Badge class version');
    return { badgeClass, version: found, issuer };
  }

  async #version(id: string, version: number, db: Db = this.options.db): Promise<BadgeClassVersion> {
    const found = await findVersion(db, id, version);
    if (!found) throw notFound('Badge class version');
    return found;
  }
}
