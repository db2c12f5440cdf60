/**
 * Turning a tensor's stored bytes into values (and back, for the writer), with TensorFlow's checksum rules:
 *  - fixed-size dtypes: raw row-major bytes; entry crc = masked crc32c of those bytes;
 *  - strings: varint64 length per element, a masked crc32c of the lengths (each fed as uint32 LE, uint64 when
 *    ≥ 4 GiB), then the bytes; entry crc = crc32c over (lengths as fixed-width LE, the 4 stored length-crc bytes,
 *    the string bytes), not over the stored bytes.
 */
import { at, present } from '../checked';
import { ChecksumError, CorruptCheckpointError, UnsupportedError } from '../errors';
import { crc32c, Crc32cHasher, maskCrc, unmaskCrc } from './crc32c';
import { type DTypeInfo, dtypeInfo, type TensorValue } from './dtypes';
import { numElements, type TensorEntry } from './entry';
import { byteStrings, offsetsFor } from './byte_strings';
import { type Cursor, readVarint64, varintLength, writeVarint } from './varint';

export interface DecodeContext {
  /** The data file the bytes came from, for error messages. */
  file: string;
  endianness: 'little' | 'big';
  verifyChecksums: boolean;
}

export function checksumMismatch(entry: TensorEntry, ctx: DecodeContext, calculated: number): ChecksumError {
  // TensorFlow's wording, with the key added.
  return new ChecksumError(
    `TensorBundle at ${ctx.file} shard ${entry.shardId} (${entry.size} bytes): Checksum does not match: stored ` +
      `${unmaskCrc(entry.crc32c)} vs. calculated on the restored bytes ${calculated} (key ${entry.key})`,
    { file: ctx.file, key: entry.key },
  );
}

/** Fails unless the entry's dtype can be read. */
export function requireReadable(entry: TensorEntry, file: string): DTypeInfo {
  const info = dtypeInfo(entry.dtypeId);
  if (!info.readable) {
    throw new UnsupportedError(
      `Cannot read ${entry.key}: dtype ${info.name} (${info.tfName}) holds no values this package can decode` +
        (info.name === 'variant' ? ' (variant tensors are TensorFlow-internal state such as dataset iterators)' : ''),
      { file, key: entry.key },
    );
  }
  return info;
}

/** Reverses the bytes of each `width`-byte scalar in place. */
export function byteSwap(bytes: Uint8Array, width: number): void {
  if (width <= 1) return;
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = at(bytes, a, 'tensor bytes');
      bytes[a] = at(bytes, b, 'tensor bytes');
      bytes[b] = t;
    }
  }
}

/**
 * Wraps the stored bytes of a fixed-size tensor (already in a buffer of their own, 8-byte aligned) as its typed
 * array, verifying the crc first and swapping big-endian data afterwards, as TensorFlow does. `bytesCrc` is the
 * crc32c of `bytes` when the caller computed it while reading.
 */
export function decodeFixedSize(
  entry: TensorEntry,
  bytes: Uint8Array,
  ctx: DecodeContext,
  bytesCrc?: number,
): TensorValue {
  const info = dtypeInfo(entry.dtypeId);
  if (ctx.verifyChecksums) {
    const calculated = bytesCrc ?? crc32c(bytes);
    if (calculated !== unmaskCrc(entry.crc32c)) throw checksumMismatch(entry, ctx, calculated);
  }
  if (ctx.endianness === 'big') byteSwap(bytes, info.swapSize);
  const Ctor = present(info.array, `the typed array of ${info.name}`);
  const perElement = info.name === 'complex64' || info.name === 'complex128' ? 2 : 1;
  const length = (numElements(entry.shape) ?? 0) * perElement;
  const data = new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, length);
  return { dtype: info.name, shape: entry.shape, data } as TensorValue;
}

function lengthAsFixed(length: number): Uint8Array {
  // TensorFlow feeds each length to the crc as uint32 LE, or uint64 LE for strings of 4 GiB and more.
  const wide = length > 0xffffffff;
  const out = new Uint8Array(wide ? 8 : 4);
  const view = new DataView(out.buffer);
  if (wide) view.setBigUint64(0, BigInt(length), true);
  else view.setUint32(0, length, true);
  return out;
}

/** Lengths are fed to the checksums this many at a time, through one reused buffer. */
const LENGTH_BATCH = 4096;

/**
 * Decodes a DT_STRING tensor from its stored bytes, verifying the length crc and the entry crc. The values stay
 * in `bytes` (see byteStrings): an element costs its offset, so memory is linear in the file's size whatever the
 * element count.
 */
export function decodeStrings(entry: TensorEntry, bytes: Uint8Array, ctx: DecodeContext): TensorValue {
  const fail = (what: string): never => {
    throw new CorruptCheckpointError(`${ctx.file}: ${what} in string tensor ${entry.key}`, {
      file: ctx.file,
      key: entry.key,
    });
  };
  const count = numElements(entry.shape) ?? 0;
  // Every element needs at least one length byte plus the 4-byte length checksum: bound before allocating.
  if (count + 4 > bytes.length) fail(`${count} elements cannot fit in ${bytes.length} bytes`);
  const offsets = offsetsFor(count, bytes.length);
  const c: Cursor = { pos: 0 };
  let total = 0;
  // The length crc and the entry crc both start with every length as fixed-width LE: one hasher feeds both.
  const hasher = ctx.verifyChecksums ? new Crc32cHasher() : null;
  const batch = new Uint8Array(LENGTH_BATCH * 8);
  const batchView = new DataView(batch.buffer);
  let batched = 0;
  for (let i = 0; i < count; i++) {
    // Most strings are shorter than 128 bytes: their length is one byte.
    const first = bytes[c.pos];
    const n = first !== undefined && first < 0x80 ? (c.pos++, first) : readVarint64(bytes, c, bytes.length);
    if (n < 0) fail(`bad length of element ${i}`);
    total += n;
    offsets[i + 1] = total;
    if (hasher !== null) {
      // TensorFlow feeds each length as uint32 LE, or uint64 LE for strings of 4 GiB and more.
      if (n > 0xffffffff) {
        batchView.setBigUint64(batched, BigInt(n), true);
        batched += 8;
      } else {
        batchView.setUint32(batched, n, true);
        batched += 4;
      }
      if (batched > batch.length - 8) {
        hasher.update(batch.subarray(0, batched));
        batched = 0;
      }
    }
  }
  hasher?.update(batch.subarray(0, batched));
  const crcPos = c.pos;
  if (crcPos + 4 + total !== bytes.length) {
    fail(`lengths add up to ${crcPos + 4 + total} bytes but the entry holds ${bytes.length}`);
  }
  const storedLengthCrc = new DataView(bytes.buffer, bytes.byteOffset + crcPos, 4).getUint32(0, true);
  const crcBytes = bytes.subarray(crcPos, crcPos + 4);
  const payload = bytes.subarray(crcPos + 4);
  if (hasher !== null) {
    const lengthCrc = hasher.digest();
    if (maskCrc(lengthCrc) !== storedLengthCrc) {
      throw new ChecksumError(
        `${ctx.file}: The length checksum does not match: expected ${unmaskCrc(storedLengthCrc)} but actual ` +
          `${lengthCrc} (key ${entry.key})`,
        { file: ctx.file, key: entry.key },
      );
    }
    const entryCrc = hasher.update(crcBytes).update(payload).digest();
    if (entryCrc !== unmaskCrc(entry.crc32c)) throw checksumMismatch(entry, ctx, entryCrc);
  }
  return { dtype: 'string', shape: entry.shape, data: byteStrings(payload, offsets) };
}

/** The stored bytes and entry crc (unmasked) of a string tensor, as TensorFlow writes them. */
export function encodeStrings(values: readonly Uint8Array[]): { bytes: Uint8Array; crc: number } {
  let header = 0;
  let total = 0;
  for (const v of values) {
    header += varintLength(v.length);
    total += v.length;
  }
  const bytes = new Uint8Array(header + 4 + total);
  let pos = 0;
  const lengthCrc = new Crc32cHasher();
  for (const v of values) {
    pos = writeVarint(bytes, pos, v.length);
    lengthCrc.update(lengthAsFixed(v.length));
  }
  new DataView(bytes.buffer).setUint32(pos, maskCrc(lengthCrc.digest()), true);
  const crcBytes = bytes.subarray(pos, pos + 4);
  pos += 4;
  const entryCrc = new Crc32cHasher();
  for (const v of values) entryCrc.update(lengthAsFixed(v.length));
  entryCrc.update(crcBytes);
  for (const v of values) {
    bytes.set(v, pos);
    pos += v.length;
  }
  entryCrc.update(bytes.subarray(header + 4));
  return { bytes, crc: entryCrc.digest() };
}
