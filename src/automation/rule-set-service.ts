import { recordAudit } from '../audit/store.js';
import type { OperationContext } from '../auth/principal.js';
import { findBadgeClass } from '../catalog/badge-classes/store.js';
import { inTransaction, type Db } from '../db/database.js';
import type { Clock } from '../kernel/clock.js';
import { AppError, notFound, type FieldError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { badgeClassRulesErrors, penaltyErrors, requirementErrors, selfDependencyErrors, type Penalty, type Requirement } from '../rules/index.js';
import type { EventTypeRegistry } from '../events/registry.js';
import type { EventTypeRegistries } from './event-type-registries.js';
import { deleteRuleEntry, findRuleSet, insertRuleEntry, lockRuleSet, touchRuleSet, type RuleSet, type RuleSetSettings } from './rule-set-store.js';

export type RequirementInput = Omit<Requirement, 'id'>;
export type PenaltyInput = Omit<Penalty, 'id'>;

/** A whole rule set: requirements under keys of the caller's choosing, which penalties' `requirementIds` name. */
export interface RuleSetDefinition {
  requirements: (RequirementInput & { key: string })[];
  penalties: PenaltyInput[];
  active: boolean;
}

/** Rule definitions that cannot work are refused with every problem named (fields under `body/`). */
function refuseInvalid(errors: FieldError[], what: string): void {
  const [first] = errors;
  if (first) throw new AppError('unprocessable', `Invalid ${what}: ${first.field} ${first.message}`, { errors });
}

/**
 * A badge class's requirements, penalties and activation. Every change keeps the set valid for
 * its state (an active set always has a requirement) and bumps its revision, which is what makes
 * event processing recompile the organisation's rules.
 */
export class RuleSetService {
  constructor(private readonly options: { db: Db; clock: Clock; registries: EventTypeRegistries }) {}

  /** The event types rules of the organisation are checked against: built-in and registered. */
  async #registry(context: OperationContext) {
    return (await this.options.registries.of(this.options.db, context.organizationId)).registry;
  }

  /** The same event types, for callers that check rules before they submit them (imports). */
  registryOf(context: OperationContext): Promise<EventTypeRegistry> {
    return this.#registry(context);
  }

  async get(context: OperationContext, badgeClassId: string): Promise<RuleSet> {
    if (!(await findBadgeClass(this.options.db, context.organizationId, badgeClassId))) throw notFound('Badge class');
    return findRuleSet(this.options.db, badgeClassId);
  }

  async addRequirement(context: OperationContext, badgeClassId: string, input: RequirementInput): Promise<Requirement> {
    const requirement: Requirement = { id: newId('requirement'), ...input };
    refuseInvalid([...requirementErrors(requirement, await this.#registry(context), 'body'), ...selfDependencyErrors(badgeClassId, requirement, 'requirement', 'body')], 'requirement');
    await this.#change(context, badgeClassId, 'rules.requirement_added', { requirementId: requirement.id }, async (tx) => {
      await insertRuleEntry(tx, 'rule_requirements', badgeClassId, requirement);
    });
    return requirement;
  }

  async removeRequirement(context: OperationContext, badgeClassId: string, requirementId: string): Promise<void> {
    await this.#change(context, badgeClassId, 'rules.requirement_removed', { requirementId }, async (tx, ruleSet) => {
      if (!ruleSet.requirements.some((r) => r.id === requirementId)) throw notFound('Requirement');
      const penalty = ruleSet.penalties.find((p) => p.requirementIds.includes(requirementId));
      if (penalty) throw new AppError('conflict', `Penalty ${penalty.id} resets this requirement; delete the penalty first.`);
      if (ruleSet.active && ruleSet.requirements.length === 1) {
        throw new AppError('conflict', 'This is the last requirement of an active badge class; deactivate it first.');
      }
      await deleteRuleEntry(tx, 'rule_requirements', badgeClassId, requirementId);
    });
  }

  async addPenalty(context: OperationContext, badgeClassId: string, input: PenaltyInput): Promise<Penalty> {
    const penalty: Penalty = { id: newId('penalty'), ...input };
    const registry = await this.#registry(context);
    await this.#change(context, badgeClassId, 'rules.penalty_added', { penaltyId: penalty.id }, async (tx, ruleSet) => {
      const requirementIds = new Set(ruleSet.requirements.map((r) => r.id));
      refuseInvalid([...penaltyErrors(penalty, registry, requirementIds, 'body'), ...selfDependencyErrors(badgeClassId, penalty, 'penalty', 'body')], 'penalty');
      await insertRuleEntry(tx, 'rule_penalties', badgeClassId, penalty);
    });
    return penalty;
  }

  async removePenalty(context: OperationContext, badgeClassId: string, penaltyId: string): Promise<void> {
    await this.#change(context, badgeClassId, 'rules.penalty_removed', { penaltyId }, async (tx, ruleSet) => {
      if (!ruleSet.penalties.some((p) => p.id === penaltyId)) throw notFound('Penalty');
      await deleteRuleEntry(tx, 'rule_penalties', badgeClassId, penaltyId);
    });
  }

  /**
   * Gives a badge class that has no rules yet its whole rule set in one change: all of it is stored
   * (and activated, if asked) or none of it.
   */
  async define(context: OperationContext, badgeClassId: string, definition: RuleSetDefinition): Promise<RuleSet> {
    const details = { requirements: definition.requirements.length, penalties: definition.penalties.length, active: definition.active };
    const registry = await this.#registry(context);
    return this.#change(context, badgeClassId, 'rules.defined', details, async (tx, ruleSet, archived) => {
      if (ruleSet.requirements.length > 0 || ruleSet.penalties.length > 0) throw new AppError('conflict', 'The badge class already has rules; change them one at a time.');
      if (definition.active && archived) throw new AppError('conflict', 'The badge class is archived; it awards nothing.');
      const ids = new Map(definition.requirements.map((r) => [r.key, newId('requirement')]));
      if (ids.size < definition.requirements.length) throw new AppError('unprocessable', 'Invalid rules: two requirements share a key.');
      const requirements: Requirement[] = definition.requirements.map(({ key, ...input }) => ({ id: ids.get(key)!, ...input }));
      const penalties: Penalty[] = definition.penalties.map((input) => ({ id: newId('penalty'), ...input, requirementIds: input.requirementIds.map((key) => ids.get(key) ?? key) }));
      const rules = { badgeClassId, requirements, penalties, reawardAfterRevoke: ruleSet.reawardAfterRevoke };
      refuseInvalid(badgeClassRulesErrors(rules, registry, { active: definition.active }), 'rules');
      for (const requirement of requirements) await insertRuleEntry(tx, 'rule_requirements', badgeClassId, requirement);
      for (const penalty of penalties) await insertRuleEntry(tx, 'rule_penalties', badgeClassId, penalty);
      return { active: definition.active };
    });
  }

  /** Turns the rules on or off; only active rule sets see events. */
  async setActive(context: OperationContext, badgeClassId: string, active: boolean): Promise<RuleSet> {
    const registry = await this.#registry(context);
    return this.#change(context, badgeClassId, active ? 'rules.activated' : 'rules.deactivated', {}, async (tx, ruleSet, archived) => {
      if (active) {
        if (archived) throw new AppError('conflict', 'The badge class is archived; it awards nothing.');
        refuseInvalid(badgeClassRulesErrors(ruleSet, registry, { active: true }), 'rules');
      }
      return { active };
    });
  }

  async setReawardAfterRevoke(context: OperationContext, badgeClassId: string, reawardAfterRevoke: boolean): Promise<RuleSet> {
    return this.#change(context, badgeClassId, 'rules.updated', { reawardAfterRevoke }, async () => ({ reawardAfterRevoke }));
  }

  /**
   * One change under the rule set's lock, with its audit row and a new revision; `apply` may
   * return new settings. Returns the set after the change.
   */
  async #change(
    context: OperationContext,
    badgeClassId: string,
    action: string,
    details: Record<string, unknown>,
    apply: (tx: Db, ruleSet: RuleSet, archived: boolean) => Promise<RuleSetSettings | void>,
  ): Promise<RuleSet> {
    return inTransaction(this.options.db, async (tx) => {
      const badgeClass = await findBadgeClass(tx, context.organizationId, badgeClassId, 'share');
      if (!badgeClass) throw notFound('Badge class');
      const ruleSet = await lockRuleSet(tx, context.organizationId, badgeClassId);
      const settings = await apply(tx, ruleSet, badgeClass.archivedAt !== null);
      await touchRuleSet(tx, badgeClassId, this.options.clock.now(), settings ?? {});
      await recordAudit(tx, context, { action, target: { type: 'badge_class', id: badgeClassId }, details });
      return findRuleSet(tx, badgeClassId);
    });
  }
}
