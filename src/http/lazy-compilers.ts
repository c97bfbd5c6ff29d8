import { AjvCompiler } from '@fastify/ajv-compiler';
import type { BuildCompilerFromPool } from '@fastify/ajv-compiler';
import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';

/*
 * Fastify compiles every route's schemas when the server starts: request validators with Ajv and
 * response serializers with fast-json-stringify. Together that was the largest part of starting
 * the server, while most routes answer late in a process's life or never. These factories wrap
 * Fastify's own compilers so that each schema is compiled when its route first uses it; the
 * route tests exercise every schema, so a broken one still fails the build, not a user. The
 * compiler itself (an Ajv instance holding the shared schemas, checked against the meta-schema) is
 * built on first use too: Fastify asks for one per plugin context when the server starts.
 */

type ValidatorCompiler = ReturnType<ReturnType<typeof AjvCompiler>>;
type Validator = ReturnType<ValidatorCompiler>;

/**
 * Request validators (Ajv, Fastify's options), each compiled on its route's first request.
 * Fastify looks at the validator before calling it: `errors` after a failed call, and
 * `schemaEnv`, which marks an Ajv function that takes the value's parent (so coercion can
 * replace a whole request part). Every validator built here is an Ajv function, so the wrapper
 * carries the mark from the start and hands the parent on.
 */
export function lazyValidatorFactory(): BuildCompilerFromPool {
  const buildCompiler = AjvCompiler();
  return (externalSchemas, options) => {
    let compile: ValidatorCompiler | undefined;
    return (route) => {
      let validate: Validator | undefined;
      const lazy = Object.assign(
        (data: unknown, parent?: object) => {
          validate ??= (compile ??= buildCompiler(externalSchemas, options))(route);
          const valid = validate(data, parent as never);
          lazy.errors = validate.errors;
          return valid;
        },
        { errors: undefined as Validator['errors'], schemaEnv: true },
      );
      return lazy as unknown as Validator;
    };
  };
}

/** Response serializers (fast-json-stringify), each compiled when its route first answers with that status. */
export function lazySerializerFactory(): SerializerFactory {
  const buildCompiler = SerializerSelector();
  return (externalSchemas, options) => {
    let compile: ReturnType<typeof buildCompiler> | undefined;
    return (route) => {
      let serialize: ((document: unknown) => string) | undefined;
      return (document) => (serialize ??= (compile ??= buildCompiler(externalSchemas, options))(route))(document);
    };
  };
}
