import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import { Type, type TSchema } from 'typebox';

/** The Fastify instance routes are written against: TypeBox schemas type requests and replies. */
export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export const ProblemRef = Type.Unsafe<unknown>({ $ref: 'Problem#' });

/**
 * Adds the problem+json answer every route can give to its documented responses, as OpenAPI's
 * `default` response: one schema for every error status (Fastify compiles each declared response
 * at start-up, so fewer entries also start faster).
 */
export function responses<T extends Record<number, TSchema>>(success: T): T & { default: typeof ProblemRef } {
  return { ...success, default: ProblemRef };
}

/** Dates leave the service as RFC 3339 strings; handlers return Date objects and the serializer converts. */
/** A string from a fixed list; one clear error ("must be equal to one of the allowed values") when wrong. */
export function StringEnum<T extends string>(values: readonly T[], options: { description?: string } = {}) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}

/** Request bodies refuse unknown fields: a typo must not be silently ignored. */
export function Body<T extends Record<string, TSchema>>(properties: T) {
  return Type.Object(properties, { additionalProperties: false });
}

export const Timestamp = Type.Unsafe<Date>({ type: 'string', format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const PageQuery = Type.Object({
  after: Type.Optional(Type.String({ description: 'Cursor: the `nextCursor` of the previous page.', maxLength: 100 })),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
});

export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
