import { crc32, inflateSync } from 'node:zlib';
import { BakingError } from './baking-types.js';
import type { BakedPayload, BadgeFormat } from './baking-types.js';

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const keywords: Record<BadgeFormat, string> = { ob3: 'openbadgecredential', ob2: 'openbadges' };
/** Extracted text is capped so a compressed chunk cannot inflate without bound. */
const maximumTextBytes = 16 * 1024 * 1024;

interface Chunk {
  type: string;
  /** The whole chunk (length, type, data, CRC) exactly as it was in the file. */
  raw: Buffer;
  data: Buffer;
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && signature.equals(Buffer.from(bytes.buffer, bytes.byteOffset, 8));
}

/**
 * Bakes into an iTXt chunk (`openbadgecredential` for OB 3.0, `openbadges` for OB 2.0),
 * uncompressed as the baking specs require, just before IEND. Any earlier chunk with the same
 * keyword is dropped, so re-baking replaces; every other chunk is copied byte for byte.
 */
export function bakePng(png: Uint8Array, payload: BakedPayload): Buffer {
  const keyword = keywords[payload.format];
  const chunks = readChunks(png).filter((chunk) => textKeyword(chunk) !== keyword);
  const data = Buffer.concat([Buffer.from(`${keyword}\0\0\0\0\0`, 'latin1'), Buffer.from(payload.text, 'utf8')]);
  const baked = encodeChunk('iTXt', data);
  const iend = chunks.findIndex((chunk) => chunk.type === 'IEND');
  return Buffer.concat([signature, ...chunks.slice(0, iend).map((chunk) => chunk.raw), baked, ...chunks.slice(iend).map((chunk) => chunk.raw)]);
}

/** The first baked badge in the image (OB 3.0 preferred), or undefined when there is none. */
export function extractFromPng(png: Uint8Array): BakedPayload | undefined {
  const chunks = readChunks(png);
  for (const format of ['ob3', 'ob2'] as const) {
    const chunk = chunks.find((candidate) => textKeyword(candidate) === keywords[format]);
    if (chunk) return { format, text: chunkText(chunk) };
  }
  return undefined;
}

/** Parses and CRC-checks every chunk; a damaged file is refused rather than baked further. */
function readChunks(png: Uint8Array): Chunk[] {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!isPng(bytes)) throw new BakingError('not a PNG file');
  const chunks: Chunk[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length) throw new BakingError('truncated PNG chunk');
    const length = bytes.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) throw new BakingError('PNG chunk runs past the end of the file');
    const typeAndData = bytes.subarray(offset + 4, offset + 8 + length);
    if (crc32(typeAndData) !== bytes.readUInt32BE(offset + 8 + length)) throw new BakingError('PNG chunk CRC mismatch');
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    chunks.push({ type, raw: bytes.subarray(offset, end), data: bytes.subarray(offset + 8, offset + 8 + length) });
    offset = end;
    if (type === 'IEND') break;
  }
  if (chunks[0]?.type !== 'IHDR' || chunks.at(-1)?.type !== 'IEND') throw new BakingError('PNG lacks IHDR or IEND');
  return chunks;
}

function encodeChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

/** Keyword of a tEXt/iTXt chunk (OB 1.x images used tEXt `openbadges`), else undefined. */
function textKeyword(chunk: Chunk): string | undefined {
  if (chunk.type !== 'iTXt' && chunk.type !== 'tEXt') return undefined;
  const end = chunk.data.indexOf(0);
  return end < 0 ? undefined : chunk.data.toString('latin1', 0, end);
}

function chunkText(chunk: Chunk): string {
  const keywordEnd = chunk.data.indexOf(0);
  if (chunk.type === 'tEXt') return chunk.data.toString('latin1', keywordEnd + 1);
  const compressed = chunk.data[keywordEnd + 1] === 1;
  const languageEnd = chunk.data.indexOf(0, keywordEnd + 3);
  const translatedEnd = languageEnd < 0 ? -1 : chunk.data.indexOf(0, languageEnd + 1);
  if (translatedEnd < 0) throw new BakingError('malformed iTXt chunk');
  const text = chunk.data.subarray(translatedEnd + 1);
  return (compressed ? inflateSync(text, { maxOutputLength: maximumTextBytes }) : text).toString('utf8');
}
