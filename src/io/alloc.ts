/**
 * Buffers that a read is about to fill completely. Zero-filling them first (what `new ArrayBuffer` does) costs a
 * pass over memory that the read overwrites anyway — about a tenth of a large restore — so on Node they come
 * uninitialised from `Buffer.allocUnsafeSlow`. Callers fill every byte or throw the buffer away, so stale memory
 * never reaches a tensor.
 */
type BufferConstructorLike = { allocUnsafeSlow(size: number): Uint8Array };

const NodeBuffer = (globalThis as { Buffer?: BufferConstructorLike }).Buffer;

/** Node's Buffer size limit (4 GiB on 64-bit Node 20); larger requests fall back to `new ArrayBuffer`. */
const UNSAFE_LIMIT = 2 ** 32 - 1;

/**
 * A buffer of `length` bytes with its own ArrayBuffer (offset 0, so it can back any typed array without a copy),
 * contents unspecified: the caller must overwrite all of it before exposing it.
 */
export function allocateForRead(length: number): Uint8Array {
  if (NodeBuffer !== undefined && length > 0 && length <= UNSAFE_LIMIT) {
    const b = NodeBuffer.allocUnsafeSlow(length);
    // A plain Uint8Array view, so nothing downstream meets Buffer's different slice() semantics.
    return new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, length);
  }
  return new Uint8Array(new ArrayBuffer(length));
}
