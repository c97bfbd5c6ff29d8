import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError, errorStatus, errorTitles, type ErrorCode, type FieldError } from '../kernel/errors.js';

/** RFC 9457 problem details as Laurel sends them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  requestId: string;
  errors?: FieldError[];
}

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.Unsafe<ErrorCode>({ type: 'string', enum: Object.keys(errorStatus) }),
    detail: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details with a stable `code`.' },
);

export function problemFor(code: ErrorCode, detail: string, requestId: string, errors?: FieldError[]): Problem {
  return {
    type: `urn:laurel:error:${code}`,
    title: errorTitles[code],
    status: errorStatus[code],
    code,
    detail,
    requestId,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

interface ValidationIssue {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns Fastify/Ajv validation output into field errors such as `body/name: must be string`. */
function fieldErrors(issues: ValidationIssue[], context: string | undefined): FieldError[] {
  // An `if`/`then` failure only sums up the `then` branch's own errors, which are listed already.
  return issues.filter((issue) => issue.keyword !== 'if').map((issue) => {
    let path = issue.instancePath ?? '';
    const missing = issue.params?.missingProperty;
    if (typeof missing === 'string') path = `${path}/${missing}`;
    const extra = issue.params?.additionalProperty;
    if (typeof extra === 'string') path = `${path}/${extra}`;
    return { field: `${context ?? 'body'}${path}`, message: issue.message ?? 'is invalid' };
  });
}

/** Maps anything thrown while handling a request to a problem; unknown errors never leak detail. */
export function toProblem(error: unknown, requestId: string): { problem: Problem; headers?: Record<string, string> } {
  if (error instanceof AppError) {
    return { problem: problemFor(error.code, error.message, requestId, error.errors), headers: error.headers };
  }
  const fastifyError = error as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    const errors = fieldErrors(fastifyError.validation, fastifyError.validationContext);
    const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return { problem: problemFor('validation_failed', detail, requestId, errors) };
  }
  const status = fastifyError.statusCode;
  if (status === 413) return { problem: problemFor('payload_too_large', 'The request body is too large.', requestId) };
  if (status === 415) return { problem: problemFor('unsupported_media_type', fastifyError.message ?? 'Unsupported media type.', requestId) };
  if (status === 429) return { problem: problemFor('rate_limited', fastifyError.message ?? 'Too many requests.', requestId) };
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own client errors (malformed JSON, empty body, bad content length…): safe to describe.
    return { problem: problemFor('bad_request', fastifyError.message ?? 'Bad request.', requestId) };
  }
  return { problem: problemFor('internal_error', 'An unexpected error occurred; it has been logged with this request id.', requestId) };
}

export function sendProblem(reply: FastifyReply, problem: Problem, headers?: Record<string, string>): FastifyReply {
  if (headers) reply.headers(headers);
  // Plain JSON, not the route's response schema: a problem must render whatever the route declared.
  return reply.status(problem.status).type('application/problem+json').serializer(JSON.stringify).send(problem);
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { problem, headers } = toProblem(error, request.id);
  if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.debug({ code: problem.code }, problem.detail);
  return sendProblem(reply, problem, headers);
}
