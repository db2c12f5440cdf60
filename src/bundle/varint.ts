/**
 * Little-endian base-128 varints as LevelDB tables and TensorFlow's string encoding use them. Decoders never read
 * past `end` and reject encodings longer than the type allows, so a corrupt varint cannot run away.
 */

export interface Cursor {
  pos: number;
}

/** Decodes a varint32 at `c.pos` (advancing it) or returns -1 if the bytes up to `end` are not a valid one. */
export function readVarint32(buf: Uint8Array, c: Cursor, end: number): number {
  let result = 0;
  for (let shift = 0, i = c.pos; shift <= 28 && i < end; shift += 7, i++) {
    const byte = buf[i];
    if (byte === undefined) return -1; // `end` past the buffer
    if (shift === 28 && byte > 0x0f) return -1;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      c.pos = i + 1;
      return result;
    }
  }
  return -1;
}

const MAX_SAFE = 2 ** 53 - 1;

/**
 * Decodes a varint64 at `c.pos` (advancing it). Values above 2^53 − 1 cannot be sizes or offsets of anything a
 * JS process can hold, so they are reported as invalid (-1) like a truncated or overlong encoding.
 */
export function readVarint64(buf: Uint8Array, c: Cursor, end: number): number {
  let result = 0;
  for (let shift = 0, i = c.pos; shift <= 63 && i < end; shift += 7, i++) {
    const byte = buf[i];
    if (byte === undefined) return -1; // `end` past the buffer
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      // A sum of non-negative integers: safe while at most 2^53 − 1 (a constant, not a builtin call per varint).
      if (result > MAX_SAFE) return -1;
      c.pos = i + 1;
      return result;
    }
  }
  return -1;
}

/** Number of bytes `writeVarint` uses for `value`. */
export function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Writes `value` (a safe non-negative integer) as a varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  return pos;
}
