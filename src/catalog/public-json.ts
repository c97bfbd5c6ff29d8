import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Sends a public JSON-LD document (issuer Profile, BadgeClass, DID document). Verifiers running in
 * browsers fetch these cross-origin, hence the open CORS; the type is `application/ld+json` when the
 * client asks for it and plain JSON otherwise. Documents can change (an edited profile), so caches
 * keep them only briefly.
 */
export function sendPublicJson(request: FastifyRequest, reply: FastifyReply, document: unknown): FastifyReply {
  const wantsLd = /\bapplication\/ld\+json\b/i.test(request.headers.accept ?? '');
  return reply
    .header('access-control-allow-origin', '*')
    .header('cache-control', 'public, max-age=300')
    .type(wantsLd ? 'application/ld+json' : 'application/json')
    .serializer(JSON.stringify)
    .send(document);
}
