import { uncompress } from 'snappyjs';

/**
 * Snappy's densest encoding turns 3 bytes into a 64-byte copy, so no valid stream expands more than ~21.4×. The
 * bound lets a corrupt length header fail before anything is allocated.
 */
const MAX_EXPANSION = 22;

/** Decompresses a raw Snappy block; returns null when the stream is invalid (callers add file context). */
export function snappyUncompress(compressed: Uint8Array): Uint8Array | null {
  try {
    return uncompress(compressed, compressed.length * MAX_EXPANSION + 64);
  } catch {
    return null;
  }
}
