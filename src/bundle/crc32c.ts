/**
 * CRC-32C (Castagnoli) and TensorFlow's checksum masking, with the fastest implementation that loads:
 *  - `aws-crt`'s (optional; SSE4.2 three-way and PCLMUL on x86-64, CRC instructions on ARMv8: the fastest by
 *    far, see `npm run bench`). Loading it is slow, so it is loaded only before checksumming a large batch
 *    (`prepareCrc32c`), never for a small read;
 *  - `@node-rs/crc32`'s (a dependency; slower: its x86-64 build issues each crc32 instruction through a
 *    function call, as the instruction is not enabled for the whole build);
 *  - SheetJS `crc-32/crc32c` (portable slicing-by-16 JS) elsewhere (browsers, unusual platforms).
 * The two native ones load through crc32c_native.ts, which browser builds replace with a stub.
 */
import * as portableCrc32c from 'crc-32/crc32c';

import { type Crc32cFn, loadAwsCrt, loadNodeRs } from './crc32c_native';

/** Which crc32c code runs: aws-crt's (loaded for large batches), @node-rs/crc32's native addon, or portable JavaScript. */
export type Crc32cImplementation = 'aws-crt' | 'native' | 'portable';

const nodeRs = loadNodeRs();
let impl: Crc32cFn = nodeRs ?? ((data, initial) => portableCrc32c.buf(data, initial));
let implName: Crc32cImplementation = nodeRs ? 'native' : 'portable';
let triedAwsCrt = false;

/** Below this many bytes to checksum, loading aws-crt costs more than its speed saves. */
export const FAST_CRC32C_THRESHOLD = 512 * 2 ** 20;

/**
 * Called before checksumming `bytes` bytes: for a batch of `FAST_CRC32C_THRESHOLD` or more, switches (once) to
 * aws-crt's crc32c when it is installed. Returns the implementation in use.
 */
export function prepareCrc32c(bytes: number): Crc32cImplementation {
  if (bytes >= FAST_CRC32C_THRESHOLD && !triedAwsCrt) {
    triedAwsCrt = true;
    const fast = loadAwsCrt();
    if (fast !== null) {
      impl = fast;
      implName = 'aws-crt';
    }
  }
  return implName;
}

/** Which implementation is in use (reported by the benchmark). */
export function crc32cImplementation(): Crc32cImplementation {
  return implName;
}

/** CRC-32C of `data`, continuing from `initial` (the result of a previous call) when given. */
export function crc32c(data: Uint8Array, initial = 0): number {
  return data.length === 0 ? initial >>> 0 : impl(data, initial) >>> 0;
}

const MASK_DELTA = 0xa282ead8;

/** TensorFlow/LevelDB masking of a stored crc (so crcs of data that contains crcs stay well distributed). */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** Inverse of {@link maskCrc}: the crc32c a stored (masked) checksum stands for. */
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
