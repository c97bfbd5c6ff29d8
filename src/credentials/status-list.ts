import { gunzipSync, gzipSync } from 'node:zlib';
import { vcV2ContextUrl } from './contexts.js';
import { isoSeconds } from './json.js';
import type { JsonObject } from './json.js';

/** The W3C minimum (herd privacy), and what 1EdTech's validator insists on. */
export const minimumStatusListLength = 131_072;

/** Decoded lists are capped so a gzip bomb cannot exhaust memory (2^27 entries). */
const maximumEncodedBytes = 16 * 1024 * 1024;

/**
 * A W3C Bitstring Status List: bit `i` set means credential `i` is revoked. Index 0 is the most
 * significant bit of the first byte. Encoded as multibase base64url (`u`) of the gzipped bits.
 */
export class StatusList {
  readonly #bits: Uint8Array;

  constructor(length: number = minimumStatusListLength, bits?: Uint8Array) {
    if (!Number.isInteger(length) || length < minimumStatusListLength || length % 8 !== 0) {
      throw new RangeError(`A status list needs a multiple of 8 entries, at least ${minimumStatusListLength}`);
    }
    this.#bits = bits ?? new Uint8Array(length / 8);
  }

  get length(): number {
    return this.#bits.length * 8;
  }

  isSet(index: number): boolean {
    this.#check(index);
    return ((this.#bits[index >> 3] as number) & (0x80 >> (index & 7))) !== 0;
  }

  set(index: number, value: boolean): void {
    this.#check(index);
    const mask = 0x80 >> (index & 7);
    const byte = this.#bits[index >> 3] as number;
    this.#bits[index >> 3] = value ? byte | mask : byte & ~mask;
  }

  encode(): string {
    return `u${gzipSync(this.#bits).toString('base64url')}`;
  }

  /** Throws on anything that is not a well-formed list of an acceptable length. */
  static decode(encodedList: string): StatusList {
    if (!encodedList.startsWith('u')) throw new Error('encodedList is not multibase base64url');
    const bits = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'), { maxOutputLength: maximumEncodedBytes });
    return new StatusList(bits.length * 8, new Uint8Array(bits));
  }

  #check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`Status list index ${index} is outside 0..${this.length - 1}`);
    }
  }
}

/**
 * The unsigned BitstringStatusListCredential for revocation, issued by the same issuer as the
 * credentials it covers (sign it with the issuer's Data Integrity key before publishing).
 */
export function buildStatusListCredential(options: { id: string; issuer: string; list: StatusList; validFrom: Date }): JsonObject {
  return {
    '@context': [vcV2ContextUrl],
    id: options.id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: options.issuer,
    validFrom: isoSeconds(options.validFrom),
    credentialSubject: {
      id: `${options.id}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: options.list.encode(),
    },
  };
}
