export * from './model.js';
export { compileRuleIndex, type RuleIndex } from './compile.js';
export { applyChanges, evaluateEvent, explanationWithoutMatches, skippedWhollyByIndex, type EvaluateOptions, type EvaluationResult } from './evaluate.js';
export type * from './explanation.js';
export type { RuleFailure } from './compile-rule.js';
export { progressOf, type Progress } from './progress.js';
export { assertNoErrors, badgeClassRulesErrors, penaltyErrors, requirementErrors, ruleErrors } from './validate.js';
export { badgeDependency, badgeDependencyPenalty, evaluateWithDependencies, laurelBadgeOrigin, maxBadgeChainDepth, selfDependencyErrors, type TransitionEvent } from './badge-dependency.js';
