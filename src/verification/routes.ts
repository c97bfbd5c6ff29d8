import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { VerificationPool } from '../credentials/verification-pool.js';
import type { Api } from '../http/schemas.js';
import { responses } from '../http/schemas.js';
import type { Clock } from '../kernel/clock.js';

const CheckSchema = Type.Object({
  name: Type.String(),
  outcome: Type.String({ description: 'passed, failed, warning or skipped' }),
  reasons: Type.Array(Type.String()),
});

const ReportSchema = Type.Object(
  {
    verified: Type.Boolean(),
    format: Type.String({ description: 'json, vc-jwt, png, svg or unknown' }),
    credential: Type.Optional(Type.Unknown()),
    checks: Type.Array(CheckSchema),
  },
  { $id: 'VerificationReport' },
);

/** Upload limit for verification: a baked image of the largest badge image plus its credential. */
const maxVerifyBytes = 4 * 1024 * 1024;

/**
 * `POST /api/v1/verify`: anyone may verify a credential — JSON, a compact JWS (VC-JWT) or a baked
 * PNG/SVG sent as the raw body. The answer is always a report of named checks, never an error
 * about the credential itself.
 */
export function registerVerificationRoutes(app: Api, verifier: Pick<VerificationPool, 'verify'>, clock: Clock): void {
  app.addSchema(ReportSchema);
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    // Raw bodies for images and JWS text; JSON keeps Fastify's parser.
    for (const type of ['image/png', 'image/svg+xml', 'application/octet-stream', 'application/jwt', 'application/vc+jwt', 'text/plain']) {
      scope.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxVerifyBytes }, (_request, body, done) => done(null, body));
    }
    scope.post(
      '/api/v1/verify',
      {
        config: { auth: 'public' },
        bodyLimit: maxVerifyBytes,
        schema: {
          tags: ['Verification'],
          summary: 'Verify an Open Badges 3.0 credential',
          description:
            'Send the credential as `application/json`, a VC-JWT as `application/jwt` (or text/plain), or a baked badge image as `image/png` / `image/svg+xml`. Laurel resolves its own DIDs and status lists and did:key offline; nothing is fetched from the network.',
          security: [],
          response: responses({ 200: Type.Ref('VerificationReport') }),
        },
      },
      async (request) => verifier.verify(request.body, clock.now()),
    );
  });
}
