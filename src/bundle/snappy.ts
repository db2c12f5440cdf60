// snappyjs's decompressor alone: its index module also carries the compressor, which nothing here needs (TensorFlow
// writes bundle indexes uncompressed), and which a browser bundle would carry too.
import { SnappyDecompressor } from 'snappyjs/snappy_decompressor';

/**
 * Snappy's densest encoding turns 3 bytes into a 64-byte copy, so no valid stream expands more than ~21.4×. The
 * bound lets a corrupt length header fail before anything is allocated.
 */
const MAX_EXPANSION = 22;

/** Decompresses a raw Snappy block; returns null when the stream is invalid (callers add file context). */
export function snappyUncompress(compressed: Uint8Array): Uint8Array | null {
  try {
    const decompressor = new SnappyDecompressor(compressed);
    const length = decompressor.readUncompressedLength();
    if (length < 0 || length > compressed.length * MAX_EXPANSION + 64) return null;
    const out = new Uint8Array(length);
    return decompressor.uncompressToBuffer(out) ? out : null;
  } catch {
    return null;
  }
}
