/** Byte surgery for corruption tests, checked so that a damaged test cannot silently damage nothing. */

/** Flips `mask`'s bits of `bytes[index]` in place; throws when `index` is outside `bytes`. */
export function flipBits(bytes: Uint8Array, index: number, mask: number): void {
  const byte = bytes[index];
  if (byte === undefined) throw new RangeError(`flipBits: index ${index} is outside ${bytes.length} bytes`);
  bytes[index] = byte ^ mask;
}
