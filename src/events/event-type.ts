import type { FieldError } from '../kernel/errors.js';
import type { KeyPathCatalog } from './key-paths.js';

/** A kind of event Laurel understands: its name, what rules may read, and how to check a payload. */
export interface EventTypeDefinition {
  /** Dotted name, e.g. `org.openedx.learning.course.passing.status.updated.v1`. */
  type: string;
  origin: 'openedx' | 'generic' | 'json-schema';
  description: string;
  keyPaths: KeyPathCatalog;
  /** Problems with an event's `data` (fields are JSON pointers under `/data`); empty when valid. */
  validateData(data: unknown): FieldError[];
}
