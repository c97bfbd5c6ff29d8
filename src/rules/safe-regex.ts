import { RE2JS } from 're2js';

/** Longest pattern accepted; RE2 matching is linear in the input, this bounds compile time and memory. */
export const maxPatternLength = 1_000;

export type SafeRegexResult = { ok: true; regex: RE2JS } | { ok: false; message: string };

/**
 * Compiles a rule's pattern with RE2 (no backtracking, so no catastrophic patterns). RE2 syntax:
 * no look-around or back-references; a pattern matches anywhere unless anchored with ^ and $.
 */
export function compileSafeRegex(pattern: string): SafeRegexResult {
  if (pattern.length > maxPatternLength) return { ok: false, message: `pattern longer than ${maxPatternLength} characters` };
  try {
    return { ok: true, regex: RE2JS.compile(pattern) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
