import { createHash } from 'node:crypto';
import { recordAudit } from '../../audit/store.js';
import type { OperationContext } from '../../auth/principal.js';
import { inTransaction, type Db } from '../../db/database.js';
import { notFound } from '../../kernel/errors.js';
import { newId } from '../../kernel/ids.js';
import type { PublicUrls } from '../public-urls.js';
import { acceptImage } from './image-content.js';
import { findImageContent, insertImage, type ImageContent, type ImageRecord } from './store.js';

export interface UploadedImage extends ImageRecord {
  /** The public URL the image is served at. */
  url: string;
}

/** Badge and issuer images: checked by content, SVG sanitised, stored once and never changed. */
export class ImageService {
  constructor(private readonly options: { db: Db; urls: PublicUrls }) {}

  async upload(context: OperationContext, upload: { bytes: Buffer; declaredType: string | undefined }): Promise<UploadedImage> {
    const accepted = acceptImage(upload.bytes, upload.declaredType);
    const sha256 = createHash('sha256').update(accepted.bytes).digest('hex');
    const image = await inTransaction(this.options.db, async (tx) => {
      const stored = await insertImage(tx, { id: newId('image'), organizationId: context.organizationId, contentType: accepted.contentType, bytes: accepted.bytes, sha256 });
      await recordAudit(tx, context, { action: 'image.uploaded', target: { type: 'image', id: stored.id }, details: { contentType: stored.contentType, sha256, size: accepted.bytes.length } });
      return stored;
    });
    return { ...image, url: this.options.urls.image(image.id) };
  }

  async content(id: string): Promise<ImageContent> {
    const image = await findImageContent(this.options.db, id);
    if (!image) throw notFound('Image');
    return image;
  }
}
