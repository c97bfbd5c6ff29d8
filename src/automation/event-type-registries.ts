import type { Db } from '../db/database.js';
import type { EventTypeDefinition } from '../events/event-type.js';
import { jsonSchemaEventType } from '../events/json-schema-type.js';
import { EventTypeRegistry } from '../events/registry.js';
import { eventTypesFingerprint, listEventTypes } from './event-type-store.js';

/** The event types one organisation sees, and what identifies that set (for caches built on it). */
export interface OrganizationEventTypes {
  registry: EventTypeRegistry;
  fingerprint: string;
}

/**
 * Event type registries per organisation: the built-in types plus the ones the organisation
 * registered. Each use checks the organisation's fingerprint (one small query) and compiles the
 * schemas again only when a type was registered or deleted, in whichever process that happened.
 */
export class EventTypeRegistries {
  readonly #entries = new Map<string, OrganizationEventTypes>();

  constructor(private readonly base: EventTypeRegistry) {}

  /** A built-in type (the same in every organisation), or undefined. */
  builtIn(type: string): EventTypeDefinition | undefined {
    return this.base.get(type);
  }

  builtIns(): EventTypeDefinition[] {
    return this.base.list();
  }

  async of(db: Db, organizationId: string): Promise<OrganizationEventTypes> {
    const fingerprint = await eventTypesFingerprint(db, organizationId);
    const cached = this.#entries.get(organizationId);
    if (cached?.fingerprint === fingerprint) return cached;
    const stored = await listEventTypes(db, organizationId);
    const registry = this.with(stored.map((t) => jsonSchemaEventType(t.type, t.schema, t.description)));
    const entry = { registry, fingerprint };
    this.#entries.set(organizationId, entry);
    return entry;
  }

  /** The built-in types plus `definitions` (e.g. an organisation's types and one about to be registered). */
  with(definitions: Iterable<EventTypeDefinition>): EventTypeRegistry {
    return new EventTypeRegistry([...this.base.list(), ...definitions]);
  }
}
