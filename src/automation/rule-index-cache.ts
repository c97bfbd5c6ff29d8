import type { Db } from '../db/database.js';
import { compileRuleIndex, type BadgeClassRules, type RuleIndex } from '../rules/index.js';
import type { EventTypeRegistries, OrganizationEventTypes } from './event-type-registries.js';
import { activeRulesFingerprint, loadActiveRuleSets } from './rule-set-store.js';

export interface CompiledRules {
  index: RuleIndex;
  byBadgeClass: ReadonlyMap<string, BadgeClassRules>;
}

/**
 * Compiled rule indexes per organisation. Each use checks the organisation's rules fingerprint
 * and its event types' (two small queries) and recompiles only when one changed, so an edit made
 * by any process — the API server or another worker — takes effect on the next event without any
 * message passing. Event types matter because they say how each key path's value is compared.
 */
export class RuleIndexCache {
  readonly #entries = new Map<string, { fingerprint: string; rules: CompiledRules }>();

  constructor(private readonly registries: EventTypeRegistries) {}

  /** `types`: the organisation's event types when the caller has just read them. */
  async rulesOf(db: Db, organizationId: string, types?: OrganizationEventTypes): Promise<CompiledRules> {
    const [rulesFingerprint, { registry, fingerprint: typesFingerprint }] = await Promise.all([
      activeRulesFingerprint(db, organizationId),
      types ?? this.registries.of(db, organizationId),
    ]);
    const fingerprint = `${rulesFingerprint}/${typesFingerprint}`;
    const cached = this.#entries.get(organizationId);
    if (cached?.fingerprint === fingerprint) return cached.rules;
    const ruleSets = await loadActiveRuleSets(db, organizationId);
    const rules = { index: compileRuleIndex(ruleSets, registry), byBadgeClass: new Map(ruleSets.map((set) => [set.badgeClassId, set])) };
    this.#entries.set(organizationId, { fingerprint, rules });
    return rules;
  }
}
