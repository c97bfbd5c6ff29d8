import type { Db } from '../db/database.js';
import type { EventTypeRegistry } from '../events/registry.js';
import { compileRuleIndex, type BadgeClassRules, type RuleIndex } from '../rules/index.js';
import { activeRulesFingerprint, loadActiveRuleSets } from './rule-set-store.js';

export interface CompiledRules {
  index: RuleIndex;
  byBadgeClass: ReadonlyMap<string, BadgeClassRules>;
}

/**
 * Compiled rule indexes per organisation. Each use checks the organisation's rules fingerprint
 * (one small query) and recompiles only when it changed, so an edit made by any process — the API
 * server or another worker — takes effect on the next event without any message passing.
 */
export class RuleIndexCache {
  readonly #entries = new Map<string, { fingerprint: string; rules: CompiledRules }>();

  constructor(private readonly registry: EventTypeRegistry) {}

  async rulesOf(db: Db, organizationId: string): Promise<CompiledRules> {
    const fingerprint = await activeRulesFingerprint(db, organizationId);
    const cached = this.#entries.get(organizationId);
    if (cached?.fingerprint === fingerprint) return cached.rules;
    const ruleSets = await loadActiveRuleSets(db, organizationId);
    const rules = { index: compileRuleIndex(ruleSets, this.registry), byBadgeClass: new Map(ruleSets.map((set) => [set.badgeClassId, set])) };
    this.#entries.set(organizationId, { fingerprint, rules });
    return rules;
  }
}
