import fastifyMultipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { contextOf } from '../../auth/principal.js';
import type { Api } from '../../http/schemas.js';
import { IdParams, responses, StringEnum } from '../../http/schemas.js';
import { AppError } from '../../kernel/errors.js';
import { imageTypes, maxImageBytes } from './image-content.js';
import type { ImageService, UploadedImage } from './service.js';

const ImageSchema = Type.Object(
  {
    id: Type.String(),
    contentType: StringEnum(imageTypes),
    url: Type.String({ description: 'Public URL of the image (served without authentication).' }),
    sha256: Type.String({ description: 'Hex SHA-256 of the stored bytes (for SVG: after sanitising).' }),
  },
  { $id: 'Image' },
);

const present = (image: UploadedImage) => ({ id: image.id, contentType: image.contentType, url: image.url, sha256: image.sha256 });

interface Upload {
  bytes: Buffer;
  declaredType: string | undefined;
}

/** The one file of a multipart form; the part's declared type is only compared with the content. */
async function multipartUpload(request: FastifyRequest): Promise<Upload> {
  const file = await request.file({ limits: { fileSize: maxImageBytes, files: 1 }, throwFileSizeLimit: true });
  if (!file) throw new AppError('unprocessable', 'The multipart form has no file part; send the image as one file.');
  return { bytes: await file.toBuffer(), declaredType: file.mimetype };
}

function upload(request: FastifyRequest): Upload {
  if (request.isMultipart()) return request.body as Upload;
  if (!Buffer.isBuffer(request.body)) {
    throw new AppError('unsupported_media_type', 'Send the image as the body with Content-Type image/png or image/svg+xml, or as one file of a multipart/form-data form.');
  }
  return { bytes: request.body, declaredType: request.headers['content-type'] };
}

/** Images are immutable, so their hash is a perfect validator and caches may keep them for good. */
const immutableCaching = 'public, max-age=31536000, immutable';

/**
 * `POST /api/v1/images` (scope `badges:write`) and the public `GET /images/{id}`. The upload body
 * parsers live in this plugin's scope only, so no other route accepts raw images or forms.
 */
export function registerImageRoutes(app: Api, images: ImageService): void {
  app.addSchema(ImageSchema);
  const tags = ['Images'];

  void app.register(async (scope: Api) => {
    await scope.register(fastifyMultipart);
    scope.addContentTypeParser([...imageTypes], { parseAs: 'buffer', bodyLimit: maxImageBytes }, (_request, body, done) => done(null, body));
    // A form is read before the handler, so its file is the request body that Idempotency-Key
    // compares: the same key with another file is refused, while a retry that encodes the same
    // file with a new boundary is still the same request.
    scope.addHook('preValidation', async (request) => {
      if (request.isMultipart()) request.body = await multipartUpload(request);
    });

    scope.post(
      '/api/v1/images',
      {
        config: { auth: 'badges:write' },
        bodyLimit: maxImageBytes,
        schema: {
          tags,
          summary: 'Upload a PNG or SVG image (at most 2 MB)',
          description:
            'Send the bytes as the body (`Content-Type: image/png` or `image/svg+xml`) or as one file of a `multipart/form-data` form. ' +
            'The type is decided by the content; SVG is sanitised (no scripts, event handlers, foreignObject or external references) before it is stored.',
          consumes: [...imageTypes, 'multipart/form-data'],
          response: responses({ 201: Type.Ref('Image') }),
        },
      },
      async (request, reply) => {
        const image = await images.upload(contextOf(request.principal!, request.id), upload(request));
        return reply.status(201).header('location', image.url).send(present(image));
      },
    );
  });

  app.get(
    '/images/:id',
    { schema: { tags: ['Public documents'], summary: 'An image (public)', params: IdParams } },
    async (request, reply) => {
      const image = await images.content(request.params.id);
      const etag = `"${image.sha256}"`;
      reply.header('etag', etag).header('cache-control', immutableCaching).header('x-content-type-options', 'nosniff');
      // An SVG opened directly is a document: it may style itself but load and run nothing.
      if (image.contentType === 'image/svg+xml') reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      if (request.headers['if-none-match']?.split(',').some((tag) => tag.trim() === etag)) return reply.status(304).send();
      return reply.type(image.contentType).send(image.bytes);
    },
  );
}
