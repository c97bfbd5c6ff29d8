import type { EventTypeDefinition } from './event-type.js';

/**
 * An event type without a schema: any key path may be used in rules, and any JSON object is
 * accepted as data. Used for types an operator names without describing, and for unknown types.
 */
export function genericEventType(type: string, description = 'Any JSON object'): EventTypeDefinition {
  return {
    type,
    origin: 'generic',
    description,
    keyPaths: null,
    validateData: (data) =>
      typeof data === 'object' && data !== null && !Array.isArray(data)
        ? []
        : [{ field: '/data', message: 'must be a JSON object' }],
  };
}
