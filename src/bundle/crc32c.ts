/**
 * CRC-32C (Castagnoli) and TensorFlow's checksum masking, with the fastest implementation that loads:
 *  - `aws-crt`'s (optional; SSE4.2 three-way and PCLMUL on x86-64, CRC instructions on ARMv8: ~22 GB/s on the
 *    benchmark machine). Loading it takes ~80 ms, so it is loaded only before checksumming a large batch
 *    (`prepareCrc32c`), never for a small read;
 *  - `@node-rs/crc32`'s (a dependency; ~4.7 GB/s there: its x86-64 build issues each crc32 instruction through a
 *    function call, as the instruction is not enabled for the whole build);
 *  - SheetJS `crc-32/crc32c` (portable slicing-by-16 JS) elsewhere (browsers, unusual platforms).
 */
import * as portableCrc32c from 'crc-32/crc32c';

type Crc32cFn = (data: Uint8Array, initial: number) => number;
export type Crc32cImplementation = 'aws-crt' | 'native' | 'portable';

const CHECK_INPUT = new TextEncoder().encode('123456789');
const CHECK_VALUE = 0xe3069283;

/** `fn` if it gives the standard check value, so a broken binary falls back instead of failing every checksum. */
function probed(fn: Crc32cFn): Crc32cFn | null {
  return fn(CHECK_INPUT, 0) >>> 0 === CHECK_VALUE ? fn : null;
}

function nativeAllowed(): boolean {
  return typeof process !== 'undefined' && process.env['TFJS_CHECKPOINT_PORTABLE_CRC'] !== '1';
}

function loadNodeRs(): Crc32cFn | null {
  if (!nativeAllowed()) return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const native = require('@node-rs/crc32') as { crc32c(input: Uint8Array, initialState?: number): number };
    return probed((data, initial) => native.crc32c(data, initial));
  } catch {
    return null;
  }
}

/** TFJS_CHECKPOINT_AWS_CRT_CRC=0 keeps aws-crt unloaded (the benchmark measures the default this way). */
function awsCrtAllowed(): boolean {
  return nativeAllowed() && process.env['TFJS_CHECKPOINT_AWS_CRT_CRC'] !== '0';
}

/**
 * aws-crt's native binding loaded without its JS loader, which runs `ldd --version` in a child process to choose
 * between its glibc and musl builds. Spawning it forks this process: every page is then write-protected until
 * written again, so the next write to each page of an already loaded model faults (a 1 GiB in-place restore right
 * after the spawn measured 0.87 s instead of 0.40 s). Each build is tried instead: the wrong C library fails to load.
 */
function loadAwsCrtNative(): Crc32cFn | null {
  if (typeof process === 'undefined' || process.platform !== 'linux') return null;
  try {
    // Linux paths only, and no node:path import, so browser bundles of this module need nothing extra.
    const bin = require.resolve('aws-crt').replace(/[^/]*$/, 'bin');
    for (const libc of ['glibc', 'musl']) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const native = require(`${bin}/linux-${process.arch}-${libc}/aws-crt-nodejs.node`) as {
          checksums_crc32c?(data: Uint8Array, previous?: number): number;
        };
        const fn = native.checksums_crc32c;
        if (typeof fn === 'function') return probed((data, initial) => fn(data, initial));
      } catch {
        // not this build
      }
    }
  } catch {
    // aws-crt is not installed
  }
  return null;
}

function loadAwsCrt(): Crc32cFn | null {
  const native = loadAwsCrtNative();
  if (native !== null) return native;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crt = require('aws-crt') as { checksums: { crc32c(data: Uint8Array, previous?: number): number } };
    return probed((data, initial) => crt.checksums.crc32c(data, initial));
  } catch {
    return null;
  }
}

const nodeRs = loadNodeRs();
let impl: Crc32cFn = nodeRs ?? ((data, initial) => portableCrc32c.buf(data, initial));
let implName: Crc32cImplementation = nodeRs ? 'native' : 'portable';
let triedAwsCrt = false;

/** Below this many bytes to checksum, loading aws-crt (~80 ms) costs more than its speed saves. */
export const FAST_CRC32C_THRESHOLD = 512 * 2 ** 20;

/**
 * Called before checksumming `bytes` bytes: for a batch of `FAST_CRC32C_THRESHOLD` or more, switches (once) to
 * aws-crt's crc32c when it is installed. Returns the implementation in use.
 */
export function prepareCrc32c(bytes: number): Crc32cImplementation {
  if (bytes >= FAST_CRC32C_THRESHOLD && !triedAwsCrt && awsCrtAllowed()) {
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
