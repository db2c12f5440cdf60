/**
 * Node's native crc32c implementations (see crc32c.ts). Browser builds replace this module with
 * crc32c_native.browser.ts, so bundles never see `@node-rs/crc32`, `aws-crt` or `process`.
 */
export type Crc32cFn = (data: Uint8Array, initial: number) => number;

const CHECK_INPUT = new TextEncoder().encode('123456789');
const CHECK_VALUE = 0xe3069283;

/** `fn` if it gives the standard check value, so a broken binary falls back instead of failing every checksum. */
function probed(fn: Crc32cFn): Crc32cFn | null {
  return fn(CHECK_INPUT, 0) >>> 0 === CHECK_VALUE ? fn : null;
}

function nativeAllowed(): boolean {
  return typeof process !== 'undefined' && process.env['TFJS_CHECKPOINT_PORTABLE_CRC'] !== '1';
}

/** `@node-rs/crc32`'s crc32c, or null when it is not installed or TFJS_CHECKPOINT_PORTABLE_CRC=1. */
export function loadNodeRs(): Crc32cFn | null {
  if (!nativeAllowed()) return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const native = require('@node-rs/crc32') as { crc32c(input: Uint8Array, initialState?: number): number };
    return probed((data, initial) => native.crc32c(data, initial));
  } catch {
    return null;
  }
}

/**
 * aws-crt's native binding loaded without its JS loader, which runs `ldd --version` in a child process to choose
 * between its glibc and musl builds. Spawning it forks this process: every page is then write-protected until
 * written again, so the next write to each page of an already loaded model faults (an in-place restore right after
 * the spawn took twice as long). Each build is tried instead: the wrong C library fails to load.
 */
function loadAwsCrtNative(): Crc32cFn | null {
  if (process.platform !== 'linux') return null;
  try {
    // Linux paths only, and no node:path import.
    const bin = require.resolve('aws-crt').replace(/[^/]*$/, 'bin');
    for (const libc of ['glibc', 'musl']) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const native = require(`${bin}/linux-${process.arch}-${libc}/aws-crt-nodejs.node`) as {
          checksums_crc32c?: (data: Uint8Array, previous?: number) => number;
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

/**
 * `aws-crt`'s crc32c, or null when it is not installed. TFJS_CHECKPOINT_AWS_CRT_CRC=0 keeps aws-crt unloaded (the
 * benchmark measures the default this way).
 */
export function loadAwsCrt(): Crc32cFn | null {
  if (!nativeAllowed() || process.env['TFJS_CHECKPOINT_AWS_CRT_CRC'] === '0') return null;
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
