import { AppError } from '../../kernel/errors.js';
import { hasPngSignature, pngHeaderProblem } from './png.js';
import { sanitizeSvg } from './svg-sanitizer.js';

export const imageTypes = ['image/png', 'image/svg+xml'] as const;
export type ImageType = (typeof imageTypes)[number];

export const maxImageBytes = 2 * 1024 * 1024;

export interface AcceptedImage {
  contentType: ImageType;
  /** What is stored and served: the PNG as sent, or the sanitised SVG. */
  bytes: Buffer;
}

const describe: Record<ImageType, string> = { 'image/png': 'a PNG image', 'image/svg+xml': 'an SVG image' };

function refuse(reason: string): never {
  throw new AppError('unprocessable', reason);
}

/** The type the bytes really are; the declared type and file name are never trusted for this. */
function identify(bytes: Buffer): ImageType {
  if (hasPngSignature(bytes)) return 'image/png';
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('<')) return 'image/svg+xml';
  return refuse('The upload is neither a PNG nor an SVG image.');
}

/**
 * Checks an upload by its content and returns what to store. A declared PNG or SVG type that
 * disagrees with the content is refused (a mislabelled file is a mistake worth reporting); any
 * other declared type, such as a browser's application/octet-stream, is ignored.
 */
export function acceptImage(bytes: Buffer, declaredType: string | undefined): AcceptedImage {
  if (bytes.length === 0) refuse('The upload is empty.');
  const contentType = identify(bytes);
  const declared = imageTypes.find((type) => type === declaredType?.split(';')[0]?.trim().toLowerCase());
  if (declared && declared !== contentType) refuse(`The upload is declared as ${declared} but its content is ${describe[contentType]}.`);
  if (contentType === 'image/png') {
    const problem = pngHeaderProblem(bytes);
    if (problem) refuse(`The upload starts like a PNG image but ${problem}.`);
    return { contentType, bytes };
  }
  return { contentType, bytes: Buffer.from(sanitizeSvg(bytes.toString('utf8')), 'utf8') };
}
