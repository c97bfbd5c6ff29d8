import { recordAudit } from '../audit/store.js';
import type { OperationContext } from '../auth/principal.js';
import { inTransaction, type Db } from '../db/database.js';
import type { EventTypeDefinition } from '../events/event-type.js';
import { jsonSchemaEventType } from '../events/json-schema-type.js';
import type { KeyPathInfo } from '../events/key-paths.js';
import type { EventTypeRegistry } from '../events/registry.js';
import { AppError, notFound, type FieldError } from '../kernel/errors.js';
import { penaltyErrors, requirementErrors } from '../rules/index.js';
import type { EventTypeRegistries } from './event-type-registries.js';
import { deleteEventType, findEventType, insertEventType, listEventTypes, type StoredEventType } from './event-type-store.js';
import { ruleEntriesOfType } from './rule-set-store.js';

export interface EventTypeInput {
  type: string;
  description?: string;
  schema: Record<string, unknown>;
}

/** An event type as the API shows it: built-in (Open edX, Avro) or registered (JSON schema). */
export interface EventTypeView {
  type: string;
  origin: EventTypeDefinition['origin'];
  description: string;
  /** The registered JSON schema; null for built-in types. */
  schema: Record<string, unknown> | null;
  /** What rules may read; null when any path may be read. */
  keyPaths: KeyPathInfo[] | null;
  /** When it was registered; null for built-in types. */
  createdAt: Date | null;
}

function view(definition: EventTypeDefinition, stored?: StoredEventType): EventTypeView {
  return {
    type: definition.type,
    origin: definition.origin,
    description: definition.description,
    schema: stored?.schema ?? null,
    keyPaths: definition.keyPaths && [...definition.keyPaths.values()],
    createdAt: stored?.createdAt ?? null,
  };
}

/** Rules already written for `type` (as generic JSON) that the new schema would refuse, as field errors. */
async function rulesNotFitting(db: Db, organizationId: string, type: string, registry: EventTypeRegistry): Promise<FieldError[]> {
  const { requirements, penalties } = await ruleEntriesOfType(db, organizationId, type);
  const describe = (what: string, badgeClassId: string) => (error: FieldError): FieldError => ({
    field: 'body/schema',
    message: `${what} of badge class ${badgeClassId} does not fit: ${error.field.slice(1)} ${error.message}`,
  });
  return [
    ...requirements.flatMap(({ badgeClassId, entry }) => requirementErrors(entry, registry).map(describe(`requirement ${entry.id}`, badgeClassId))),
    ...penalties.flatMap(({ badgeClassId, entry }) => penaltyErrors(entry, registry).map(describe(`penalty ${entry.id}`, badgeClassId))),
  ];
}

/**
 * Event types an organisation describes with a JSON schema: rules on them are checked against its
 * key paths and events of the type against the schema. Types are only registered and deleted,
 * never edited, so rules checked against a type stay valid while it exists.
 */
export class EventTypeService {
  constructor(private readonly options: { db: Db; registries: EventTypeRegistries }) {}

  async register(context: OperationContext, input: EventTypeInput): Promise<EventTypeView> {
    const { db, registries } = this.options;
    if (registries.builtIn(input.type)) {
      throw new AppError('unprocessable', `${input.type} is a built-in event type`, { errors: [{ field: 'body/type', message: 'is the name of a built-in event type' }] });
    }
    const definition = jsonSchemaEventType(input.type, input.schema, input.description ?? '', 'body/schema');
    return inTransaction(db, async (tx) => {
      const misfits = await rulesNotFitting(tx, context.organizationId, input.type, registries.with([definition]));
      if (misfits.length > 0) throw new AppError('unprocessable', `Existing rules do not fit the schema: ${misfits[0]!.message}`, { errors: misfits });
      const stored = { type: input.type, description: definition.description, schema: input.schema };
      const created = await insertEventType(tx, context.organizationId, stored);
      if (!created) throw new AppError('conflict', `Event type ${input.type} is already registered`);
      await recordAudit(tx, context, { action: 'event_type.registered', target: { type: 'event_type', id: input.type } });
      return view(definition, created);
    });
  }

  /** The built-in types, then the organisation's own, by name. */
  async list(context: OperationContext): Promise<EventTypeView[]> {
    const { db, registries } = this.options;
    const [stored, { registry }] = await Promise.all([listEventTypes(db, context.organizationId), registries.of(db, context.organizationId)]);
    const registered = stored.flatMap((s) => {
      const definition = registry.get(s.type);
      return definition ? [view(definition, s)] : [];
    });
    return [...registries.builtIns().map((definition) => view(definition)), ...registered];
  }

  async get(context: OperationContext, type: string): Promise<EventTypeView> {
    const { db, registries } = this.options;
    const builtIn = registries.builtIn(type);
    if (builtIn) return view(builtIn);
    const stored = await findEventType(db, context.organizationId, type);
    const definition = stored && (await registries.of(db, context.organizationId)).registry.get(type);
    if (!stored || !definition) throw notFound('Event type');
    return view(definition, stored);
  }

  /** Refused while rules read the type: they were checked against its schema. */
  async remove(context: OperationContext, type: string): Promise<void> {
    const { db, registries } = this.options;
    if (registries.builtIn(type)) throw new AppError('conflict', `${type} is a built-in event type; it cannot be deleted`);
    await inTransaction(db, async (tx) => {
      const { requirements, penalties } = await ruleEntriesOfType(tx, context.organizationId, type);
      const users = [...requirements, ...penalties].map(({ badgeClassId, entry }) => `${entry.id} (${badgeClassId})`);
      if (users.length > 0) throw new AppError('conflict', `Rules read ${type}: ${users.slice(0, 5).join(', ')}${users.length > 5 ? ', …' : ''}; delete them first.`);
      if (!(await deleteEventType(tx, context.organizationId, type))) throw notFound('Event type');
      await recordAudit(tx, context, { action: 'event_type.deleted', target: { type: 'event_type', id: type } });
    });
  }
}
