/**
 * CRC-32C (Castagnoli) and TensorFlow's checksum masking. Uses `@node-rs/crc32` (SSE4.2 / ARMv8 CRC instructions)
 * when it loads, and SheetJS `crc-32/crc32c` (portable slicing-by-16 JS) elsewhere (browsers, unusual platforms).
 */
import * as portableCrc32c from 'crc-32/crc32c';

type Crc32cFn = (data: Uint8Array, initial: number) => number;

function loadNative(): Crc32cFn | null {
  if (typeof process === 'undefined' || process.env['TFJS_CHECKPOINT_PORTABLE_CRC'] === '1') return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const native = require('@node-rs/crc32') as { crc32c(input: Uint8Array, initialState?: number): number };
    // Probe with the standard check value so a broken binary falls back instead of failing every checksum.
    if (native.crc32c(new TextEncoder().encode('123456789')) !== 0xe3069283) return null;
    return (data, initial) => native.crc32c(data, initial);
  } catch {
    return null;
  }
}

const portable: Crc32cFn = (data, initial) => portableCrc32c.buf(data, initial);

const nativeImpl = loadNative();
const impl: Crc32cFn = nativeImpl ?? portable;

/** Which implementation is in use (reported by the benchmark). */
export const crc32cImplementation: 'native' | 'portable' = nativeImpl ? 'native' : 'portable';

/** CRC-32C of `data`, continuing from `initial` (the result of a previous call) when given. */
export function crc32c(data: Uint8Array, initial = 0): number {
  return data.length === 0 ? initial >>> 0 : impl(data, initial) >>> 0;
}

const MASK_DELTA = 0xa282ead8;

/** TensorFlow/LevelDB masking of a stored crc (so crcs of data that contains crcs stay well distributed). */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

/** An incremental crc32c over several pieces. */
export class Crc32cHasher {
  private state = 0;

  update(data: Uint8Array): this {
    this.state = crc32c(data, this.state);
    return this;
  }

  digest(): number {
    return this.state;
  }
}
