import { crc32 } from 'node:zlib';

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Bit depths each PNG colour type allows (PNG spec, table 11.1). */
const bitDepthsByColorType = new Map<number, number[]>([
  [0, [1, 2, 4, 8, 16]],
  [2, [8, 16]],
  [3, [1, 2, 4, 8]],
  [4, [8, 16]],
  [6, [8, 16]],
]);

export function hasPngSignature(bytes: Uint8Array): boolean {
  return bytes.length >= signature.length && signature.equals(bytes.subarray(0, signature.length));
}

/**
 * Why these bytes are not a PNG a viewer could open, or null when they are: the signature must be
 * followed by a well-formed IHDR chunk (right length, sane dimensions and formats, matching CRC).
 * The rest of the file is left to the viewer; a broken tail shows a partial image, never code.
 */
export function pngHeaderProblem(bytes: Buffer): string | null {
  if (!hasPngSignature(bytes)) return 'it does not start with the PNG signature';
  if (bytes.length < 33) return 'it ends before the PNG header (IHDR) is complete';
  if (bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR') return 'its first chunk is not a PNG header (IHDR)';
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return `its dimensions ${width}×${height} are invalid`;
  const [bitDepth = 0, colorType = 0, compression, filter, interlace] = bytes.subarray(24, 29);
  if (!bitDepthsByColorType.get(colorType)?.includes(bitDepth)) return `bit depth ${bitDepth} with colour type ${colorType} is not a PNG format`;
  if (compression !== 0 || filter !== 0 || (interlace !== 0 && interlace !== 1)) return 'its header names unknown compression, filter or interlace methods';
  if (crc32(bytes.subarray(12, 29)) !== bytes.readUInt32BE(29)) return 'its header checksum (CRC) does not match';
  return null;
}
