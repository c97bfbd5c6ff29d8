import { Type, type TSchema } from 'typebox';

/** A web address people or verifiers will open: only http(s), never `javascript:` or `data:`. */
export const HttpUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 });

/**
 * `null` or the schema. Null comes first because the server's Ajv coerces types while it tries the
 * branches of a union: tried against a string first, `null` would become `""` and pass as one.
 */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);

export const ImageId = Type.String({ maxLength: 100, description: 'An image uploaded with POST /api/v1/images.' });
