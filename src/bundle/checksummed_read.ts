/**
 * Reading a tensor and computing its crc32c in one pass. Checksumming a large tensor after reading it streams it
 * from main memory a second time; folding each piece into the crc as soon as it lands, while the next pieces are
 * still being read, keeps the checksum on cache-warm bytes and overlaps it with the I/O.
 */
import { at } from '../checked';
import type { ByteSource } from '../io';
import { crc32c } from './crc32c';

/** Pieces of one tensor in flight while the main thread hashes the one before. */
const READ_AHEAD = 2;

/** Fills `target` from `source` at `offset` and returns the crc32c (unmasked) of the bytes read. */
export async function readChecksummed(source: ByteSource, offset: number, target: Uint8Array): Promise<number> {
  const piece = source.readPieceSize ?? target.length;
  if (target.length <= piece) return crc32c(await source.read(offset, target.length, target));
  const count = Math.ceil(target.length / piece);
  const pending: Array<Promise<Uint8Array>> = [];
  const issue = (i: number): void => {
    const start = i * piece;
    const end = Math.min(start + piece, target.length);
    pending.push(source.read(offset + start, end - start, target.subarray(start, end)));
  };
  let crc = 0;
  try {
    for (let i = 0; i < Math.min(READ_AHEAD, count); i++) issue(i);
    for (let i = 0; i < count; i++) {
      const bytes = await at(pending, i, 'pending reads');
      if (i + READ_AHEAD < count) issue(i + READ_AHEAD);
      crc = crc32c(bytes, crc);
    }
  } catch (err) {
    // Reads already issued write into `target`: let them settle before the caller drops it.
    await Promise.allSettled(pending);
    throw err;
  }
  return crc;
}
