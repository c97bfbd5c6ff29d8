import { AppError } from '../kernel/errors.js';
import type { EventTypeDefinition } from './event-type.js';
import { genericEventType } from './generic-type.js';
import { openedxEventTypes } from './openedx/event-types.js';

/** A set of event types: the Open edX built-ins, plus the ones an organisation registered (see automation/event-type-registries.ts). */
export class EventTypeRegistry {
  readonly #types = new Map<string, EventTypeDefinition>();

  constructor(definitions: Iterable<EventTypeDefinition> = []) {
    for (const definition of definitions) this.register(definition);
  }

  register(definition: EventTypeDefinition): void {
    if (this.#types.has(definition.type)) {
      throw new AppError('conflict', `Event type ${definition.type} is already registered`);
    }
    this.#types.set(definition.type, definition);
  }

  get(type: string): EventTypeDefinition | undefined {
    return this.#types.get(type);
  }

  /**
   * The definition to check rules and payloads against. Unknown types are treated as generic JSON
   * events, so any platform can send events before an operator describes them.
   */
  resolve(type: string): EventTypeDefinition {
    return this.#types.get(type) ?? genericEventType(type);
  }

  list(): EventTypeDefinition[] {
    return [...this.#types.values()];
  }
}

export function createEventTypeRegistry(extra: Iterable<EventTypeDefinition> = []): EventTypeRegistry {
  return new EventTypeRegistry([...openedxEventTypes, ...extra]);
}
