import { groupsOf } from './compile.js';
import type { BadgeClassRules, LearnerBadgeState } from './model.js';

export interface Progress {
  fulfilledGroups: number;
  groups: number;
  /** fulfilled groups / groups; 0 for a badge class without requirements. */
  ratio: number;
  complete: boolean;
}

/** Progress over precomputed groups; requirement ids that no longer exist simply do not count. */
export function progressOverGroups(groups: readonly (readonly string[])[], fulfilled: ReadonlySet<string>): Progress {
  let fulfilledGroups = 0;
  for (const members of groups) {
    for (const id of members) {
      if (fulfilled.has(id)) {
        fulfilledGroups += 1;
        break;
      }
    }
  }
  const ratio = groups.length === 0 ? 0 : fulfilledGroups / groups.length;
  return { fulfilledGroups, groups: groups.length, ratio, complete: groups.length > 0 && fulfilledGroups === groups.length };
}

/** A learner's progress towards a badge class, e.g. for a progress bar or the API. */
export function progressOf(rules: BadgeClassRules, state: LearnerBadgeState | undefined): Progress {
  return progressOverGroups(groupsOf(rules).groups, new Set(state?.fulfilled ?? []));
}
