import { cliTargetsByRequestId, recordAudit } from '../../audit/store.js';
import type { OperationContext } from '../../auth/principal.js';
import type { BadgeClassService } from '../../catalog/badge-classes/service.js';
import type { ImageService } from '../../catalog/images/service.js';
import { inTransaction, type Db } from '../../db/database.js';
import { groupsOf } from '../../rules/compile.js';
import type { Requirement } from '../../rules/index.js';
import { insertStatesIfAbsent, statesOfLearners, upsertLearners } from '../learner-store.js';
import type { RuleSetService } from '../rule-set-service.js';
import type { RuleSet } from '../rule-set-store.js';
import { idsBySourceKey, sourceKey } from '../source-keys.js';
import { placeholderBadgeImage } from './placeholder-image.js';
import type { Finding, ImportPlan, PlannedLearner, PlannedTemplate, TemplateIdentity } from './plan.js';

/**
 * Carries out an import plan in one organisation, or (dry run) works out what it would do without
 * writing anything. Idempotent: every change made for a template is recorded in the audit log
 * under the template's marker as correlation (request) id, so a later run finds the badge class
 * created for it and leaves it as it is; learner states are only added where none exists.
 */

export interface ImportServices {
  db: Db;
  badgeClasses: BadgeClassService;
  images: ImageService;
  ruleSets: RuleSetService;
}

export interface ImportOptions {
  issuerId: string;
  /** The source the learners' events carry (on the Open edX bus: the producing service, `openedx/lms/web`). */
  learnerSource: string;
  dryRun: boolean;
  /** The image of new badge classes; a neutral placeholder when absent. */
  image?: Buffer;
}

export interface TemplateOutcome extends TemplateIdentity {
  /** `new`: created by this run (or would be, in a dry run); `existing`: imported earlier. */
  status: 'new' | 'existing' | 'skipped';
  badgeClassId: string | null;
  active: boolean;
  requirements: number;
  groups: number;
  penalties: number;
  notes: string[];
}

export interface ImportReport {
  dryRun: boolean;
  organizationId: string;
  issuerId: string;
  learnerSource: string;
  templates: TemplateOutcome[];
  learners: { new: number; existing: number };
  /** Learner rule states: `kept` when the learner already had one for that badge class. */
  states: { imported: number; kept: number };
  skipped: Finding[];
  notImported: ImportPlan['notImported'];
  unknownModels: ImportPlan['unknownModels'];
}

/** Learners written per transaction: keeps statements well under PostgreSQL's parameter limit. */
const learnerBatchSize = 1000;

/** Identifies a requirement by everything but its id, so that an earlier import's requirements are found again. */
function contentKey(requirement: Omit<Requirement, 'id'>): string {
  const { eventType, group, description, rules, count, window } = requirement;
  return JSON.stringify({ eventType, group, description, rules, count, window }, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) : value,
  );
}

/** Upstream requirement id → Laurel requirement id, for the planned requirements the rule set has. */
function matchRequirements(template: PlannedTemplate, ruleSet: RuleSet): Map<string, string> {
  const available = new Map<string, string[]>();
  for (const requirement of ruleSet.requirements) {
    const key = contentKey(requirement);
    available.set(key, [...(available.get(key) ?? []), requirement.id]);
  }
  const matched = new Map<string, string>();
  for (const { key, ...requirement } of template.requirements) {
    const id = available.get(contentKey(requirement))?.shift();
    if (id !== undefined) matched.set(key, id);
  }
  return matched;
}

function identityOf(template: TemplateIdentity): TemplateIdentity {
  const { upstreamId, origin, uuid, providerTemplateId, providerAccount, name } = template;
  return { upstreamId, origin, uuid, providerTemplateId, providerAccount, name };
}

/** A template with its badge class: `requirementIds` (upstream → Laurel) once the rule set exists, absent in a dry run. */
interface ResolvedTemplate {
  outcome: TemplateOutcome;
  badgeClassId: string | null;
  requirementIds?: Map<string, string>;
}

/** What a dry run expects: the planned rule set. */
function plannedOutcome(template: PlannedTemplate, status: TemplateOutcome['status'], badgeClassId: string | null, notes: string[]): ResolvedTemplate {
  const counts = { requirements: template.requirements.length, groups: new Set(template.requirements.map((r) => r.group)).size, penalties: template.penalties.length };
  return { badgeClassId, outcome: { ...identityOf(template), status, badgeClassId, active: template.active, ...counts, notes } };
}

/** What the organisation has: the stored rule set, matched with the planned requirements. */
function storedOutcome(template: PlannedTemplate, status: TemplateOutcome['status'], ruleSet: RuleSet, notes: string[]): ResolvedTemplate {
  const requirementIds = matchRequirements(template, ruleSet);
  const unmatched = template.requirements.length - requirementIds.size;
  const allNotes = unmatched > 0 ? [...notes, `${unmatched} of its requirements in the export differ from the badge class's rules; progress on them is not imported`] : notes;
  const counts = { requirements: ruleSet.requirements.length, groups: groupsOf(ruleSet).groups.length, penalties: ruleSet.penalties.length };
  const { badgeClassId } = ruleSet;
  return { badgeClassId, requirementIds, outcome: { ...identityOf(template), status, badgeClassId, active: ruleSet.active, ...counts, notes: allNotes } };
}

export class OpenedxBadgesImport {
  constructor(private readonly services: ImportServices) {}

  async run(context: OperationContext, plan: ImportPlan, options: ImportOptions): Promise<ImportReport> {
    const imported = await cliTargetsByRequestId(this.services.db, context.organizationId, 'badge_class.created', plan.templates.map((t) => t.marker));
    let imageId: string | undefined;
    // One image for the whole run, stored only when a badge class is created.
    const image = async () => (imageId ??= (await this.services.images.upload(context, { bytes: options.image ?? placeholderBadgeImage, declaredType: undefined })).id);
    const resolved = new Map<string, ResolvedTemplate>();
    for (const template of plan.templates) resolved.set(template.upstreamId, await this.#resolve(context, template, imported.get(template.marker), image, options));
    const skipped = plan.skippedTemplates.map(
      (t): TemplateOutcome => ({ ...identityOf(t), status: 'skipped', badgeClassId: null, active: false, requirements: 0, groups: 0, penalties: 0, notes: [t.reason] }),
    );
    const { learners, states } = await this.#learners(context, plan.learners, resolved, options);
    return {
      dryRun: options.dryRun,
      organizationId: context.organizationId,
      issuerId: options.issuerId,
      learnerSource: options.learnerSource,
      templates: [...[...resolved.values()].map((r) => r.outcome), ...skipped],
      learners,
      states,
      skipped: plan.skipped,
      notImported: plan.notImported,
      unknownModels: plan.unknownModels,
    };
  }

  /** The template's badge class with its rule set: created, found again (`existingId`), or only planned. */
  async #resolve(context: OperationContext, template: PlannedTemplate, existingId: string | undefined, image: () => Promise<string>, options: ImportOptions): Promise<ResolvedTemplate> {
    const { badgeClasses, ruleSets } = this.services;
    // Every audit row of this template's import carries its marker: that is how later runs find it.
    const correlated: OperationContext = { ...context, requestId: template.marker };
    if (existingId === undefined) {
      if (options.dryRun) return plannedOutcome(template, 'new', null, template.notes);
      const content = {
        name: template.name,
        description: template.description,
        imageId: await image(),
        criteria: { narrative: template.criteria, url: null },
        achievementType: 'Badge' as const,
        alignments: [],
        tags: [],
        language: null,
        expiry: { kind: 'never' as const },
      };
      const { badgeClass } = await badgeClasses.create(correlated, { issuerId: options.issuerId, allowMultiple: false, content });
      return storedOutcome(template, 'new', await ruleSets.define(correlated, badgeClass.id, template), template.notes);
    }
    const ruleSet = await ruleSets.get(context, existingId);
    if (ruleSet.requirements.length > 0 || ruleSet.penalties.length > 0) return storedOutcome(template, 'existing', ruleSet, ['imported earlier; left as it is']);
    // An earlier run stopped between creating the badge class and giving it its rules.
    if (options.dryRun) return plannedOutcome(template, 'existing', existingId, ['imported earlier without its rules, which will be added', ...template.notes]);
    return storedOutcome(template, 'existing', await ruleSets.define(correlated, existingId, template), ['imported earlier without its rules, which are added now', ...template.notes]);
  }

  /** Learners and their rule states, a batch at a time; a state a learner already has for a badge class is kept. */
  async #learners(
    context: OperationContext,
    planned: readonly PlannedLearner[],
    templates: ReadonlyMap<string, ResolvedTemplate>,
    options: ImportOptions,
  ): Promise<Pick<ImportReport, 'learners' | 'states'>> {
    const totals = { learners: { new: 0, existing: 0 }, states: { imported: 0, kept: 0 } };
    for (let start = 0; start < planned.length; start += learnerBatchSize) {
      const batch = await this.#learnerBatch(context, planned.slice(start, start + learnerBatchSize), templates, options);
      totals.learners.new += batch.learners.new;
      totals.learners.existing += batch.learners.existing;
      totals.states.imported += batch.states.imported;
      totals.states.kept += batch.states.kept;
    }
    return totals;
  }

  async #learnerBatch(
    context: OperationContext,
    planned: readonly PlannedLearner[],
    templates: ReadonlyMap<string, ResolvedTemplate>,
    options: ImportOptions,
  ): Promise<Pick<ImportReport, 'learners' | 'states'>> {
    const { db } = this.services;
    const source = options.learnerSource;
    const existing = await idsBySourceKey(db, 'learners', context.organizationId, planned.map((l) => ({ source, externalId: l.externalId })));
    const withState = await statesOfLearners(db, [...existing.values()]);
    const entries: { learner: PlannedLearner; badgeClassId: string | null; fulfilled: string[]; status: PlannedLearner['states'][number]['status'] }[] = [];
    let kept = 0;
    for (const learner of planned) {
      const learnerId = existing.get(sourceKey(source, learner.externalId));
      for (const state of learner.states) {
        const template = templates.get(state.templateId);
        if (!template) continue;
        const { badgeClassId, requirementIds } = template;
        if (badgeClassId !== null && learnerId !== undefined && withState.get(learnerId)?.has(badgeClassId)) {
          kept += 1;
          continue;
        }
        const fulfilled = requirementIds ? state.fulfilled.flatMap((key) => requirementIds.get(key) ?? []) : state.fulfilled;
        entries.push({ learner, badgeClassId, fulfilled, status: state.status });
      }
    }
    const touched = [...new Set(entries.map((e) => e.learner))];
    const isKnown = (l: PlannedLearner) => existing.has(sourceKey(source, l.externalId));
    const learners = { new: touched.filter((l) => !isKnown(l)).length, existing: touched.filter(isKnown).length };
    if (options.dryRun || entries.length === 0) return { learners, states: { imported: entries.length, kept } };

    const imported = await inTransaction(db, async (tx) => {
      // Sighted at the time Open edX first knew them: any real event is newer and refreshes their details.
      const ids = await upsertLearners(
        tx,
        context.organizationId,
        touched.map((l) => ({ source, externalId: l.externalId, email: l.email, name: l.name, username: l.username, at: l.knownSince })),
      );
      const count = await insertStatesIfAbsent(
        tx,
        context.organizationId,
        entries.map((e) => ({
          learnerId: ids.get(sourceKey(source, e.learner.externalId))!,
          // Outside a dry run every template has its badge class by now.
          state: { badgeClassId: e.badgeClassId!, fulfilled: e.fulfilled, counted: {}, status: e.status },
        })),
      );
      await recordAudit(tx, context, { action: 'learners.states_imported', details: { source, learners: touched.length, states: count } });
      return count;
    });
    return { learners, states: { imported, kept: kept + entries.length - imported } };
  }
}
