/**
 * base58btc (the `z` multibase) and the multicodec key prefixes used by Multikey and did:key.
 * Written out here because the cryptosuite packages keep their copies private.
 */
const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const alphabetIndex = new Map([...alphabet].map((char, index) => [char, index]));

/** Multicodec varint prefixes: ed25519-pub (0xed) and p256-pub (0x1200). */
export const ed25519PublicPrefix = Uint8Array.of(0xed, 0x01);
export const p256PublicPrefix = Uint8Array.of(0x80, 0x24);

export function base58btcEncode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // Little-endian base-58 digits of the big-endian input number.
  const digits: number[] = [];
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i] as number;
    for (let j = 0; j < digits.length; j++) {
      carry += (digits[j] as number) << 8;
      digits[j] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  let out = '1'.repeat(zeros);
  for (let i = digits.length - 1; i >= 0; i--) out += alphabet[digits[i] as number];
  return out;
}

/** Returns undefined for anything that is not base58btc, so callers can report instead of throw. */
export function base58btcDecode(text: string): Uint8Array | undefined {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  const bytes: number[] = [];
  for (let i = zeros; i < text.length; i++) {
    let carry = alphabetIndex.get(text[i] as string);
    if (carry === undefined) return undefined;
    for (let j = 0; j < bytes.length; j++) {
      carry += (bytes[j] as number) * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  const out = new Uint8Array(zeros + bytes.length);
  for (let i = 0; i < bytes.length; i++) out[out.length - 1 - i] = bytes[i] as number;
  return out;
}

/** `z` + base58btc(prefix ‖ key): the publicKeyMultibase form of a Multikey. */
export function encodeMultikey(prefix: Uint8Array, key: Uint8Array): string {
  const bytes = new Uint8Array(prefix.length + key.length);
  bytes.set(prefix);
  bytes.set(key, prefix.length);
  return `z${base58btcEncode(bytes)}`;
}

/** The raw key inside a `z…` Multikey with the given prefix, or undefined when it is something else. */
export function decodeMultikey(prefix: Uint8Array, multibase: string, keyLength: number): Uint8Array | undefined {
  if (!multibase.startsWith('z')) return undefined;
  const bytes = base58btcDecode(multibase.slice(1));
  if (!bytes || bytes.length !== prefix.length + keyLength) return undefined;
  if (!prefix.every((byte, index) => bytes[index] === byte)) return undefined;
  return bytes.slice(prefix.length);
}
