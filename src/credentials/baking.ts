import { bakePng, extractFromPng, isPng } from './baking-png.js';
import { bakeSvg, extractFromSvg, looksLikeSvg } from './baking-svg.js';
import { BakingError } from './baking-types.js';
import type { BakedPayload } from './baking-types.js';

export type ImageKind = 'png' | 'svg';

/** Decided by content, never by file name or declared type. */
export function detectImageKind(bytes: Uint8Array): ImageKind | undefined {
  if (isPng(bytes)) return 'png';
  return looksLikeSvg(Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096)).toString('utf8')) ? 'svg' : undefined;
}

export function bakeImage(image: Uint8Array, payload: BakedPayload): { kind: ImageKind; bytes: Buffer } {
  const kind = detectImageKind(image);
  if (kind === 'png') return { kind, bytes: bakePng(image, payload) };
  if (kind === 'svg') return { kind, bytes: Buffer.from(bakeSvg(Buffer.from(image).toString('utf8'), payload), 'utf8') };
  throw new BakingError('image is neither PNG nor SVG');
}

/** Throws BakingError for unreadable images; undefined means a readable image with no badge. */
export function extractFromImage(image: Uint8Array): BakedPayload | undefined {
  const kind = detectImageKind(image);
  if (kind === 'png') return extractFromPng(image);
  if (kind === 'svg') return extractFromSvg(Buffer.from(image).toString('utf8'));
  throw new BakingError('image is neither PNG nor SVG');
}
