/**
 * Reading a tensor's stored bytes through a few small buffers that every piece reuses, for restores that write
 * into memory that already exists: the verify pass of an in-place restore (checksum only, nothing kept) and its
 * write pass (each piece checksummed, then copied into the variable's memory, which on wasm may move between
 * awaits). The buffers stay mapped and in the CPU cache, so these reads fault no pages and the checksum reads
 * cache-warm bytes.
 */
import { at } from '../checked';
import { CorruptCheckpointError } from '../errors';
import { checkRange, type ByteSource } from '../io';
import { crc32c, unmaskCrc } from './crc32c';
import type { TensorEntry } from './entry';
import { checksumMismatch } from './tensor_codec';

/** Reads in flight per stream; each has a piece buffer of its own. */
const SLOTS = 2;

/** Small enough that a piece is still in the CPU cache when it is hashed and copied. */
export const PIECE_BYTES = 1 << 20;

/** The piece buffers of one stream of reads (one per concurrent reader). */
export class PieceBuffers {
  /** Allocated on first use: a restore whose values are all small never needs them. */
  private readonly buffers: Uint8Array[] = [];

  constructor(readonly pieceSize = PIECE_BYTES) {}

  slot(i: number): Uint8Array {
    return (this.buffers[i % SLOTS] ??= new Uint8Array(this.pieceSize));
  }
}

/**
 * Reads `length` bytes at `offset` piece by piece through `buffers`, calling `each(bytes, at)` in order for each
 * piece (the bytes are valid only during the call), and returns the crc32c (unmasked) of all of them (0 when
 * `checksum` is false).
 */
export async function streamChecksummed(
  source: ByteSource,
  offset: number,
  length: number,
  buffers: PieceBuffers,
  each?: (bytes: Uint8Array, at: number) => void,
  checksum = true,
): Promise<number> {
  const piece = buffers.pieceSize;
  const count = Math.ceil(length / piece);
  const pending: Array<Promise<Uint8Array>> = [];
  const issue = (i: number): void => {
    const start = i * piece;
    const n = Math.min(piece, length - start);
    pending.push(source.read(offset + start, n, buffers.slot(i).subarray(0, n)));
  };
  let crc = 0;
  try {
    for (let i = 0; i < Math.min(SLOTS, count); i++) issue(i);
    for (let i = 0; i < count; i++) {
      const bytes = await at(pending, i, 'pending reads');
      if (checksum) crc = crc32c(bytes, crc);
      each?.(bytes, i * piece);
      if (i + SLOTS < count) issue(i + SLOTS);
    }
  } catch (err) {
    // Reads already issued write into the piece buffers, which the next stream reuses.
    await Promise.allSettled(pending);
    throw err;
  }
  return crc;
}

/** Memory that receives a whole fixed-size tensor's bytes. */
export interface ReadDestination {
  readonly byteLength: number;
  /** The memory as it is now: fetched again for every piece (a wasm heap that grows replaces its ArrayBuffer). */
  view(): Uint8Array;
  /** True when view() is always the same memory, which a read may then fill directly while other code runs. */
  readonly fixed?: boolean;
}

/** Fails unless `entry`'s bytes lie inside `source` (a corrupt index must not make a read run past the file). */
function checkEntryRange(source: ByteSource, entry: TensorEntry): void {
  checkRange(source.name, source.size, entry.offset, entry.size);
}

/** Verifies an entry's stored crc32c without keeping its bytes. */
export async function verifyEntry(
  source: ByteSource,
  entry: TensorEntry,
  endianness: 'little' | 'big',
  buffers: PieceBuffers,
): Promise<void> {
  checkEntryRange(source, entry);
  const crc = await streamChecksummed(source, entry.offset, entry.size, buffers);
  if (crc !== unmaskCrc(entry.crc32c))
    throw checksumMismatch(entry, { file: source.name, endianness, verifyChecksums: true }, crc);
}

/** Fails with TensorFlow's checksum message unless `crc` (unmasked, of the bytes read) is the entry's stored one. */
export function assertStoredCrc(entry: TensorEntry, file: string, crc: number): void {
  if (crc !== unmaskCrc(entry.crc32c))
    throw checksumMismatch(entry, { file, endianness: 'little', verifyChecksums: true }, crc);
}

/**
 * Reads an entry's stored bytes into `dest` (little-endian data: the bytes are the values) and returns their
 * crc32c, which the caller compares with the stored one; with `checksum` false, only reads (and returns null).
 * Each piece lands in a piece buffer, is hashed there while cache-warm and is then copied into place: measured
 * on the benchmark VM, this beat reading straight into the destination and hashing the bytes back from memory.
 */
export async function readEntryInto(
  source: ByteSource,
  entry: TensorEntry,
  dest: ReadDestination,
  buffers: PieceBuffers,
  checksum = true,
): Promise<number | null> {
  checkEntryRange(source, entry);
  if (dest.byteLength !== entry.size) {
    throw new CorruptCheckpointError(
      `${source.name}: ${entry.key} holds ${entry.size} bytes where ${dest.byteLength} are expected`,
      {
        file: source.name,
        key: entry.key,
      },
    );
  }
  // Nothing to hash: fixed memory is filled by the read itself, with no copy (memory that may move is not, since
  // the read writes into it between awaits).
  if (!checksum && dest.fixed === true) {
    await source.read(entry.offset, entry.size, dest.view());
    return null;
  }
  const crc = await streamChecksummed(
    source,
    entry.offset,
    entry.size,
    buffers,
    (bytes, at) => dest.view().set(bytes, at),
    checksum,
  );
  return checksum ? crc : null;
}
