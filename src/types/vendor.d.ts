// Type declarations for dependencies that ship none.

declare module 'crc-32/crc32c' {
  /** CRC-32C of `data`, continuing from `seed` (a previous result). May be negative: use `>>> 0`. */
  export function buf(data: Uint8Array, seed?: number): number;
}

declare module 'snappyjs' {
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  export function compress(uncompressed: Uint8Array): Uint8Array;
}
