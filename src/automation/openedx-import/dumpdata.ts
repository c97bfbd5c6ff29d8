/**
 * Reading a Django `dumpdata` JSON export: an array of `{model, pk, fields}` records, model labels
 * `app_label.modelname`. Liberal in what it accepts (labels in any case, primary keys as numbers or
 * strings, foreign keys as ids or one-element natural keys); anything unusable is reported, not thrown,
 * except a file that is not a dumpdata export at all.
 */

/** The file is not JSON, or not a JSON array of records: nothing can be imported from it. */
export class DumpdataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DumpdataError';
  }
}

export type Fields = Readonly<Record<string, unknown>>;

export interface DumpRecord {
  /** Lower-case `app_label.modelname`. */
  model: string;
  /** The primary key as text: Django exports integers, hand-made files sometimes strings. */
  pk: string;
  fields: Fields;
}

/** Names one record in reports, e.g. `badges.datarule 12`. */
export const recordName = (record: Pick<DumpRecord, 'model' | 'pk'>) => `${record.model} ${record.pk}`;

export interface Dumpdata {
  /** Records by model label, in file order. */
  byModel: ReadonlyMap<string, readonly DumpRecord[]>;
  /** Array entries that are not `{model, pk, fields}` records, with why. */
  malformed: { index: number; reason: string }[];
}

function keyText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value !== '') return value;
  return undefined;
}

export function parseDumpdata(text: string): Dumpdata {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DumpdataError(`not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(json)) throw new DumpdataError('not a Django dumpdata export: expected a JSON array of {"model", "pk", "fields"} records');
  const byModel = new Map<string, DumpRecord[]>();
  const malformed: Dumpdata['malformed'] = [];
  json.forEach((entry: unknown, index) => {
    const candidate = (typeof entry === 'object' && entry !== null ? entry : {}) as { model?: unknown; pk?: unknown; fields?: unknown };
    const { model, fields } = candidate;
    const pk = keyText(candidate.pk);
    let problem: string | undefined;
    if (typeof model !== 'string' || !model.includes('.')) problem = 'no "model" label such as "badges.datarule"';
    else if (pk === undefined) problem = `${model} record without a "pk"`;
    else if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) problem = `${model} ${pk} without "fields"`;
    if (problem !== undefined) {
      malformed.push({ index, reason: problem });
      return;
    }
    const label = (model as string).toLowerCase();
    const list = byModel.get(label) ?? [];
    list.push({ model: label, pk: pk!, fields: fields as Fields });
    byModel.set(label, list);
  });
  return { byModel, malformed };
}

/** Typed access to one record's fields, lenient about how a hand-made export spells values. */
export const field = {
  text(fields: Fields, name: string): string | undefined {
    const value = fields[name];
    return typeof value === 'string' ? value : undefined;
  },
  /** Text that must say something: empty strings count as absent. */
  nonEmpty(fields: Fields, name: string): string | undefined {
    const value = field.text(fields, name)?.trim();
    return value ? value : undefined;
  },
  /** A foreign key: the referenced primary key as text, or undefined for null. */
  ref(fields: Fields, name: string): string | undefined {
    const value = fields[name];
    return keyText(Array.isArray(value) && value.length === 1 ? value[0] : value);
  },
  /** A many-to-many field: the referenced primary keys. */
  refs(fields: Fields, name: string): string[] {
    const value = fields[name];
    return Array.isArray(value) ? value.map(keyText).filter((key): key is string => key !== undefined) : [];
  },
  bool(fields: Fields, name: string): boolean | undefined {
    const value = fields[name];
    return typeof value === 'boolean' ? value : undefined;
  },
  date(fields: Fields, name: string): Date | undefined {
    const value = fields[name];
    if (typeof value !== 'string') return undefined;
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  },
};

/** Sorts records by primary key as Django lists them (numerically when the keys are numbers). */
export function byPrimaryKey(a: DumpRecord, b: DumpRecord): number {
  const [x, y] = [Number(a.pk), Number(b.pk)];
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0;
}
