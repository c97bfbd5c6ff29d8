import type { KeyPathCatalog } from '../../events/key-paths.js';
import { ruleErrors, type DataRule } from '../../rules/index.js';
import { field, type Fields } from './dumpdata.js';

/** What an upstream `DataRule` / `PenaltyDataRule` becomes: a Laurel rule, or why it cannot be one. */
export type DataRuleMapping = { rule: DataRule } | { problem: string };

/**
 * Upstream stores the expected value as text (a CharField); a hand-made export may hold a JSON
 * boolean or number, which Django would have saved as Python's `str()` of it.
 */
function expectedText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Maps one upstream data rule (`data_path`, `operator`, `value`). Upstream compares Python's
 * `str()` of the payload value with the expected text, after turning the boolean spellings into
 * `True`/`False`: exactly Laurel's `eq`/`ne`, which keep the text as it is and render the same way.
 * Every other operator is refused: Laurel's typed operators do not compare Python strings.
 */
export function mapDataRule(fields: Fields, eventType: string, catalog: KeyPathCatalog): DataRuleMapping {
  const operator = field.text(fields, 'operator') ?? 'eq';
  if (operator !== 'eq' && operator !== 'ne') return { problem: `unsupported operator "${operator}" (only eq and ne exist in Open edX and are imported)` };
  const path = field.text(fields, 'data_path');
  if (path === undefined) return { problem: 'no data_path' };
  const value = expectedText(fields.value);
  if (value === undefined) return { problem: 'no expected value' };
  const rule: DataRule = { path, op: operator, value };
  const errors = ruleErrors(rule, catalog, eventType, '');
  if (errors.length > 0) return { problem: `${path} ${operator} "${value}": ${errors.map((e) => e.message).join('; ')}` };
  return { rule };
}
