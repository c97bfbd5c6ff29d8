import type { Db } from '../../db/database.js';
import type { ImageType } from './image-content.js';

export interface ImageRecord {
  id: string;
  organizationId: string;
  contentType: ImageType;
  sha256: string;
  createdAt: Date;
}

export interface ImageContent {
  contentType: ImageType;
  bytes: Buffer;
  sha256: string;
}

export async function insertImage(tx: Db, image: Omit<ImageRecord, 'createdAt'> & { bytes: Buffer }): Promise<ImageRecord> {
  const row = await tx
    .insertInto('images')
    .values({ id: image.id, organization_id: image.organizationId, content_type: image.contentType, bytes: image.bytes, sha256: image.sha256 })
    .returning(['id', 'organization_id', 'content_type', 'sha256', 'created_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, organizationId: row.organization_id, contentType: row.content_type, sha256: row.sha256, createdAt: row.created_at };
}

/** Bytes of any organisation's image: images are public documents once referenced by a badge. */
export async function findImageContent(db: Db, id: string): Promise<ImageContent | undefined> {
  const row = await db.selectFrom('images').select(['content_type', 'bytes', 'sha256']).where('id', '=', id).executeTakeFirst();
  return row && { contentType: row.content_type, bytes: Buffer.from(row.bytes), sha256: row.sha256 };
}

export async function imageBelongsTo(db: Db, organizationId: string, id: string): Promise<boolean> {
  const row = await db.selectFrom('images').select('id').where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}
