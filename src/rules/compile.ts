import type { ValueKind } from '../events/key-paths.js';
import type { EventTypeRegistry } from '../events/registry.js';
import { compileRule, type CompiledRule } from './compile-rule.js';
import { pathReader, type PathReader } from './key-path.js';
import type { BadgeClassRules, Penalty, Requirement } from './model.js';

/**
 * Compilation of the active badge classes' rules into an index by event type, so that an event
 * only meets the requirements and penalties that can possibly match it.
 */
export interface CompiledBadgeClass {
  rules: BadgeClassRules;
  /** Position in the compiled list: explanations and transitions follow it. */
  order: number;
  /** Requirement ids per group (a requirement without a group forms its own). */
  groups: string[][];
  groupOf: ReadonlyMap<string, string>;
}

interface CompiledEntryBase {
  badgeClass: CompiledBadgeClass;
  order: number;
  rules: CompiledRule[];
}

export interface CompiledRequirement extends CompiledEntryBase {
  kind: 'requirement';
  requirement: Requirement;
  group: string;
  distinctBy: PathReader | undefined;
  distinctKind: ValueKind | undefined;
  windowFrom: number;
  windowUntil: number;
}

export interface CompiledPenalty extends CompiledEntryBase {
  kind: 'penalty';
  penalty: Penalty;
}

export type CompiledEntry = CompiledRequirement | CompiledPenalty;

/** Entries whose chosen `eq` rule on `path` can only match when the event renders to the bucket key. */
export interface KeyedEntries {
  path: string;
  read: PathReader;
  kind: ValueKind | undefined;
  buckets: Map<string, CompiledEntry[]>;
}

export interface EventTypeIndex {
  keyed: KeyedEntries[];
  /** Entries with no `eq` rule: checked against every event of the type. */
  unkeyed: CompiledEntry[];
  size: number;
}

export interface RuleIndex {
  byEventType: ReadonlyMap<string, EventTypeIndex>;
  badgeClasses: readonly CompiledBadgeClass[];
}

/** Internal group key for requirements without a group: cannot collide with operator-chosen names. */
const ownGroup = (requirementId: string) => `\u0000${requirementId}`;

export function groupsOf(rules: BadgeClassRules): { groups: string[][]; groupOf: Map<string, string> } {
  const groupOf = new Map<string, string>();
  const members = new Map<string, string[]>();
  for (const requirement of rules.requirements) {
    const group = requirement.group ?? ownGroup(requirement.id);
    groupOf.set(requirement.id, group);
    const list = members.get(group) ?? [];
    list.push(requirement.id);
    members.set(group, list);
  }
  return { groups: [...members.values()], groupOf };
}

function timeBound(value: string | undefined, open: number): number {
  return value === undefined ? open : Date.parse(value);
}

/**
 * Picks, for each entry, the `eq` rule that best splits the entries of its event type (the path with
 * the most distinct expected values, e.g. a course key rather than `is_passing`).
 */
function indexEventType(entries: CompiledEntry[]): EventTypeIndex {
  const distinct = new Map<string, Set<string>>();
  for (const entry of entries) {
    for (const rule of entry.rules) {
      if (rule.eqKey === undefined) continue;
      const values = distinct.get(rule.rule.path) ?? new Set<string>();
      values.add(rule.eqKey);
      distinct.set(rule.rule.path, values);
    }
  }
  const keyed = new Map<string, KeyedEntries>();
  const unkeyed: CompiledEntry[] = [];
  for (const entry of entries) {
    let best: CompiledRule | undefined;
    for (const rule of entry.rules) {
      if (rule.eqKey === undefined) continue;
      const spread = distinct.get(rule.rule.path)?.size ?? 0;
      if (!best || spread > (distinct.get(best.rule.path)?.size ?? 0)) best = rule;
    }
    if (!best || best.eqKey === undefined) {
      unkeyed.push(entry);
      continue;
    }
    const slot = keyed.get(best.rule.path) ?? { path: best.rule.path, read: best.read, kind: best.kind, buckets: new Map() };
    const bucket = slot.buckets.get(best.eqKey) ?? [];
    bucket.push(entry);
    slot.buckets.set(best.eqKey, bucket);
    keyed.set(best.rule.path, slot);
  }
  return { keyed: [...keyed.values()], unkeyed, size: entries.length };
}

/**
 * Compiles the rules of the active badge classes. Rules must have been validated (see
 * `validate.ts`); the registry supplies each path's value kind for Open edX rendering.
 */
export function compileRuleIndex(ruleSets: readonly BadgeClassRules[], registry: EventTypeRegistry): RuleIndex {
  const byType = new Map<string, CompiledEntry[]>();
  const badgeClasses: CompiledBadgeClass[] = [];
  let order = 0;
  const add = (type: string, entry: CompiledEntry) => {
    const list = byType.get(type) ?? [];
    list.push(entry);
    byType.set(type, list);
  };
  for (const rules of ruleSets) {
    const { groups, groupOf } = groupsOf(rules);
    const badgeClass: CompiledBadgeClass = { rules, order: badgeClasses.length, groups, groupOf };
    badgeClasses.push(badgeClass);
    for (const requirement of rules.requirements) {
      const paths = registry.resolve(requirement.eventType).keyPaths;
      const distinctPath = requirement.count?.distinctBy;
      add(requirement.eventType, {
        kind: 'requirement',
        badgeClass,
        order: order++,
        requirement,
        group: groupOf.get(requirement.id) ?? ownGroup(requirement.id),
        rules: requirement.rules.map((rule, index) => compileRule(rule, index, paths?.get(rule.path))),
        distinctBy: distinctPath === undefined ? undefined : pathReader(distinctPath),
        distinctKind: distinctPath === undefined ? undefined : paths?.get(distinctPath)?.kind,
        windowFrom: timeBound(requirement.window?.from, Number.NEGATIVE_INFINITY),
        windowUntil: timeBound(requirement.window?.until, Number.POSITIVE_INFINITY),
      });
    }
    for (const penalty of rules.penalties) {
      const paths = registry.resolve(penalty.eventType).keyPaths;
      add(penalty.eventType, {
        kind: 'penalty',
        badgeClass,
        order: order++,
        penalty,
        rules: penalty.rules.map((rule, index) => compileRule(rule, index, paths?.get(rule.path))),
      });
    }
  }
  const byEventType = new Map<string, EventTypeIndex>();
  for (const [type, entries] of byType) byEventType.set(type, indexEventType(entries));
  return { byEventType, badgeClasses };
}
