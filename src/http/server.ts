import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { AppError } from '../kernel/errors.js';
import { lazySerializerFactory, lazyValidatorFactory } from './lazy-compilers.js';
import { handleError, ProblemSchema, problemFor, sendProblem } from './problem.js';
import type { Api } from './schemas.js';

const requestIdPattern = /^[\w.:-]{1,128}$/;

/** Never log credentials, cookies or secrets, wherever they appear in a logged object. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.client_secret',
  '*.clientSecret',
  '*.secret',
];

export interface HttpServerOptions {
  config: Pick<Config, 'logLevel' | 'trustProxy' | 'publicUrl' | 'rateLimitPerClient' | 'rateLimitPerIp'>;
  version: string;
  /** Shared rate-limit counters; per-process memory when absent. */
  redis?: Redis;
  /** Replaces the pino logger configuration (tests pass a silent one). */
  logger?: FastifyServerOptions['logger'];
}

/**
 * The Fastify instance with everything cross-cutting: logging with request ids, problem+json
 * errors, cookies, form bodies, OpenAPI, and rate limits. Capabilities add their routes to it.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<Api> {
  const app = Fastify({
    logger: options.logger ?? { level: options.config.logLevel, redact: { paths: redactedPaths, censor: '[redacted]' } },
    trustProxy: options.config.trustProxy,
    requestIdHeader: false,
    genReqId: (request) => {
      const offered = request.headers['x-request-id'];
      return typeof offered === 'string' && requestIdPattern.test(offered) ? offered : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: true } },
    routerOptions: { ignoreTrailingSlash: true },
    schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory(), buildSerializer: lazySerializerFactory() } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addSchema(ProblemSchema);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problemFor('not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`, request.id)),
  );
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Laurel API', version: options.version, description: 'Badge and credential factory. Errors are RFC 9457 problem details with a stable `code`.' },
      servers: [{ url: options.config.publicUrl }],
      components: {
        securitySchemes: {
          oauth2: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: {} } } },
          session: { type: 'apiKey', in: 'cookie', name: 'laurel_session' },
        },
      },
      security: [{ oauth2: [] }, { session: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', uiConfig: { deepLinking: true } });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(fastifyRateLimit, {
    global: true,
    hook: 'onRequest',
    ...(options.redis ? { redis: options.redis, skipOnError: true } : {}),
    timeWindow: 60_000,
    keyGenerator: (request) => (request.principal ? `${request.principal.type}:${request.principal.id}` : `ip:${request.ip}`),
    max: (request) => (request.principal ? options.config.rateLimitPerClient : options.config.rateLimitPerIp),
    errorResponseBuilder: (_request, context) =>
      new AppError('rate_limited', `Rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}.`),
  });

  return app;
}
