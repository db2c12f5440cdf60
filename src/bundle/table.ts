/**
 * Reader for the SSTable that stores a bundle's `.index`: LevelDB's table layout as TensorFlow writes it (raw
 * bytewise keys with no internal-key suffix, 256 KiB blocks, optional Snappy per block).
 *
 *   file   = data block* · metaindex block · index block · footer
 *   block  = entry* · restart offsets (uint32 LE)* · restart count (uint32 LE) · trailer
 *   entry  = varint32 shared · varint32 non_shared · varint32 value_len · key delta · value
 *   trailer= type byte (0 raw, 1 Snappy) · masked crc32c(block bytes ‖ type) (uint32 LE)
 *   footer = metaindex handle · index handle (varint64 offset, varint64 size each), zero padded to 40 bytes,
 *            magic 0xdb4775248b80fb57 (two uint32 LE)
 */
import { at } from '../checked';
import { CorruptCheckpointError } from '../errors';
import type { ByteSource } from '../io';
import { crc32c, unmaskCrc } from './crc32c';
import { snappyUncompress } from './snappy';
import { type Cursor, readVarint32, readVarint64 } from './varint';

export const FOOTER_LENGTH = 48;
/** Where the footer's magic number starts: the two block handles before it are zero padded to this length. */
export const FOOTER_MAGIC_OFFSET = 40;
export const BLOCK_TRAILER_LENGTH = 5;
export const TABLE_MAGIC_LO = 0x8b80fb57;
export const TABLE_MAGIC_HI = 0xdb477524;

export const enum BlockType {
  Raw = 0,
  Snappy = 1,
}

export interface BlockHandle {
  offset: number;
  size: number;
}

/** Bytewise comparison of two keys (the table's only ordering). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    // In range (i < both lengths): `?? 0` only satisfies the checker, at no cost in this hot loop.
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** The little-endian uint32 at `pos`, which callers keep inside `buf`. */
function readU32(buf: Uint8Array, pos: number): number {
  return new DataView(buf.buffer, buf.byteOffset + pos, 4).getUint32(0, true);
}

/** The current key of a scan, rebuilt in place from each entry's shared prefix and suffix. */
export class KeyBuffer {
  bytes = new Uint8Array(256);
  length = 0;
  /** Whether a key has been set (the first key of a table has nothing to be ordered after). */
  started = false;

  /** Keeps `shared` bytes and appends data[start, end): copied by hand, no view made per key of a scan. */
  setFrom(shared: number, data: Uint8Array, start: number, end: number): void {
    const length = shared + end - start;
    if (length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(length, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, shared));
      this.bytes = grown;
    }
    const bytes = this.bytes;
    for (let i = start, j = shared; i < end; i++, j++) bytes[j] = data[i] ?? 0; // i < end <= data.length
    this.length = length;
    this.started = true;
  }
}

/** A decoded block: its contents and restart points, ready for seeking and iteration. */
export class Block {
  private readonly restartsOffset: number;
  private readonly numRestarts: number;

  constructor(
    private readonly data: Uint8Array,
    private readonly fail: (what: string) => never,
  ) {
    if (data.length < 4) fail('block too short for its restart count');
    this.numRestarts = readU32(data, data.length - 4);
    const maxRestarts = Math.floor((data.length - 4) / 4);
    if (this.numRestarts > maxRestarts)
      fail(`block declares ${this.numRestarts} restart points, room for ${maxRestarts}`);
    this.restartsOffset = data.length - 4 - this.numRestarts * 4;
    if (this.numRestarts === 0 && this.restartsOffset > 0) fail('block with entries but no restart points');
  }

  private restartPoint(i: number): number {
    const p = readU32(this.data, this.restartsOffset + i * 4);
    if (p >= this.restartsOffset) this.fail(`restart point ${i} lies outside the entries`);
    return p;
  }

  /**
   * Decodes the entry at `c.pos` given the previous key; returns its key and value (views into the block) or
   * fails on any inconsistency.
   */
  private entryAt(c: Cursor, prevKey: Uint8Array): [Uint8Array, Uint8Array] {
    const end = this.restartsOffset;
    const shared = readVarint32(this.data, c, end);
    const nonShared = shared < 0 ? -1 : readVarint32(this.data, c, end);
    const valueLength = nonShared < 0 ? -1 : readVarint32(this.data, c, end);
    if (valueLength < 0) this.fail('bad entry header in block');
    if (shared > prevKey.length) this.fail('entry shares more key bytes than the previous key has');
    if (c.pos + nonShared + valueLength > end) this.fail('entry runs past the end of its block');
    let key: Uint8Array;
    if (shared === 0) {
      key = this.data.subarray(c.pos, c.pos + nonShared);
    } else {
      key = new Uint8Array(shared + nonShared);
      key.set(prevKey.subarray(0, shared), 0);
      key.set(this.data.subarray(c.pos, c.pos + nonShared), shared);
    }
    c.pos += nonShared;
    const value = this.data.subarray(c.pos, c.pos + valueLength);
    c.pos += valueLength;
    return [key, value];
  }

  /**
   * Visits every entry in order without allocating per entry: the key is assembled in `key` (grown as needed, and
   * holding the previous key on entry, which is what prefix compression and the order check need), the value is
   * data[valueStart, valueEnd). `visit` gets the key's length and how many of its bytes it shares with the previous
   * key; it must copy whatever it keeps. Keys must be strictly increasing, also across blocks.
   */
  scan(
    key: KeyBuffer,
    visit: (keyLength: number, shared: number, data: Uint8Array, valueStart: number, valueEnd: number) => void,
  ): void {
    const data = this.data;
    const end = this.restartsOffset;
    const c: Cursor = { pos: 0 };
    // A block's first key is stored whole: nothing before it in the block to share bytes with.
    let available = 0;
    while (c.pos < end) {
      const shared = readVarint32(data, c, end);
      const nonShared = shared < 0 ? -1 : readVarint32(data, c, end);
      const valueLength = nonShared < 0 ? -1 : readVarint32(data, c, end);
      if (valueLength < 0) this.fail('bad entry header in block');
      if (shared > available) this.fail('entry shares more key bytes than the previous key has');
      if (c.pos + nonShared + valueLength > end) this.fail('entry runs past the end of its block');
      // Order: the keys agree on `shared` bytes; the new one must be greater from there on.
      let order = 0;
      const oldLength = key.length;
      for (let i = 0; order === 0 && i < nonShared && shared + i < oldLength; i++)
        order = (data[c.pos + i] ?? 0) - (key.bytes[shared + i] ?? 0); // in range: see the loop bounds
      if (order === 0) order = shared + nonShared - oldLength;
      if (order <= 0 && key.started) this.fail('keys out of order in block');
      key.setFrom(shared, data, c.pos, c.pos + nonShared);
      available = key.length;
      c.pos += nonShared;
      visit(key.length, shared, data, c.pos, c.pos + valueLength);
      c.pos += valueLength;
    }
  }

  /** All entries in order. */
  *entries(): Generator<[Uint8Array, Uint8Array]> {
    const c: Cursor = { pos: 0 };
    let prev: Uint8Array = new Uint8Array(0);
    let previous: Uint8Array | null = null;
    while (c.pos < this.restartsOffset) {
      const entry = this.entryAt(c, prev);
      if (previous !== null && compareBytes(previous, entry[0]) >= 0) this.fail('keys out of order in block');
      previous = prev = entry[0];
      yield entry;
    }
  }

  /**
   * The first entry whose key is ≥ `target`, or null. Binary search over restart points (whose keys are stored
   * whole), then a short linear scan: a lookup never decodes more than one restart interval.
   */
  seek(target: Uint8Array): [Uint8Array, Uint8Array] | null {
    if (this.numRestarts === 0) return null;
    let lo = 0;
    let hi = this.numRestarts - 1;
    const empty = new Uint8Array(0);
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const c: Cursor = { pos: this.restartPoint(mid) };
      const [key] = this.entryAt(c, empty);
      if (compareBytes(key, target) < 0) lo = mid;
      else hi = mid - 1;
    }
    const c: Cursor = { pos: this.restartPoint(lo) };
    let prev: Uint8Array = empty;
    while (c.pos < this.restartsOffset) {
      const entry = this.entryAt(c, prev);
      if (compareBytes(entry[0], target) >= 0) return entry;
      prev = entry[0];
    }
    return null;
  }
}

export function decodeBlockHandle(buf: Uint8Array, c: Cursor, end: number): BlockHandle | null {
  const offset = readVarint64(buf, c, end);
  const size = offset < 0 ? -1 : readVarint64(buf, c, end);
  return size < 0 ? null : { offset, size };
}

/** A random-access reader over one table file. Blocks are read on demand and kept once decoded. */
export class TableReader {
  private readonly blocks = new Map<number, Block>();

  private constructor(
    private readonly source: ByteSource,
    /** Handles of the data blocks, in key order, with the index key of each (≥ every key in the block). */
    readonly dataBlocks: ReadonlyArray<{ separator: Uint8Array; handle: BlockHandle }>,
  ) {}

  get name(): string {
    return this.source.name;
  }

  static async open(source: ByteSource): Promise<TableReader> {
    // Typed where declared, so that a call ends control flow for narrowing.
    const fail: (what: string) => never = (what) => {
      throw new CorruptCheckpointError(`${source.name}: ${what}`, { file: source.name });
    };
    if (source.size < FOOTER_LENGTH) fail('file is too short to be an sstable');
    const footer = await source.read(source.size - FOOTER_LENGTH, FOOTER_LENGTH);
    if (
      readU32(footer, FOOTER_MAGIC_OFFSET) !== TABLE_MAGIC_LO ||
      readU32(footer, FOOTER_MAGIC_OFFSET + 4) !== TABLE_MAGIC_HI
    ) {
      fail('not an sstable (bad magic number)');
    }
    const c: Cursor = { pos: 0 };
    const metaindex = decodeBlockHandle(footer, c, FOOTER_MAGIC_OFFSET);
    const indexHandle = metaindex && decodeBlockHandle(footer, c, FOOTER_MAGIC_OFFSET);
    if (!indexHandle) return fail('bad block handle in footer');
    const index = await readBlock(source, indexHandle, source.size - FOOTER_LENGTH);
    const dataBlocks: Array<{ separator: Uint8Array; handle: BlockHandle }> = [];
    for (const [separator, value] of index.entries()) {
      const hc: Cursor = { pos: 0 };
      const handle = decodeBlockHandle(value, hc, value.length);
      if (!handle) fail('bad block handle in index block');
      dataBlocks.push({ separator, handle });
    }
    return new TableReader(source, dataBlocks);
  }

  private async block(i: number): Promise<Block> {
    let block = this.blocks.get(i);
    if (block === undefined) {
      block = await readBlock(
        this.source,
        at(this.dataBlocks, i, 'data blocks').handle,
        this.source.size - FOOTER_LENGTH,
      );
      this.blocks.set(i, block);
    }
    return block;
  }

  /** The value stored under `key`, or null. Reads at most one data block. */
  async get(key: Uint8Array): Promise<Uint8Array | null> {
    const at = this.findBlock(key);
    if (at < 0) return null;
    const found = (await this.block(at)).seek(key);
    return found !== null && compareBytes(found[0], key) === 0 ? found[1] : null;
  }

  /** The first block whose separator is ≥ key: the only block that can hold key (separators are in memory). */
  private findBlock(key: Uint8Array): number {
    let lo = 0;
    let hi = this.dataBlocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(at(this.dataBlocks, mid, 'data blocks').separator, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.dataBlocks.length ? lo : -1;
  }

  /** Block.scan over every block in turn, one key buffer throughout, so the order is checked across blocks too. */
  async scan(
    visit: (key: KeyBuffer, shared: number, data: Uint8Array, valueStart: number, valueEnd: number) => void,
  ): Promise<void> {
    const key = new KeyBuffer();
    for (let i = 0; i < this.dataBlocks.length; i++) {
      const block = await this.block(i);
      // Blocks are visited once: not cached, so the scan holds one block's bytes beyond what `visit` keeps.
      this.blocks.delete(i);
      block.scan(key, (_length, shared, data, vs, ve) => visit(key, shared, data, vs, ve));
    }
  }

  /** Every entry in key order; also checks the order holds across blocks. */
  async *entries(): AsyncGenerator<[Uint8Array, Uint8Array]> {
    let last: Uint8Array | null = null;
    for (let i = 0; i < this.dataBlocks.length; i++) {
      const block = await this.block(i);
      for (const entry of block.entries()) {
        if (last !== null && compareBytes(last, entry[0]) >= 0) {
          throw new CorruptCheckpointError(`${this.name}: keys out of order across blocks`, { file: this.name });
        }
        last = entry[0];
        yield entry;
      }
    }
  }
}

/** Reads a block and its trailer, verifies the checksum and decompresses it if needed. */
async function readBlock(source: ByteSource, handle: BlockHandle, limit: number): Promise<Block> {
  const fail: (what: string) => never = (what) => {
    throw new CorruptCheckpointError(`${source.name}: ${what} (block at offset ${handle.offset})`, {
      file: source.name,
    });
  };
  if (handle.offset + handle.size + BLOCK_TRAILER_LENGTH > limit) fail('truncated block read');
  const raw = await source.read(handle.offset, handle.size + BLOCK_TRAILER_LENGTH);
  const contents = raw.subarray(0, handle.size);
  // Any byte may be stored there; the switch rejects the ones that are no BlockType.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- a stored byte, checked below
  const type: BlockType = raw[handle.size] ?? fail('truncated block read');
  const stored = unmaskCrc(readU32(raw, handle.size + 1));
  if (crc32c(raw.subarray(0, handle.size + 1)) !== stored) fail('block checksum mismatch');
  switch (type) {
    case BlockType.Raw:
      return new Block(contents, fail);
    case BlockType.Snappy: {
      const out = snappyUncompress(contents);
      if (out === null) fail('corrupted compressed block contents');
      return new Block(out, fail);
    }
    default:
      return fail(`bad block type ${String(type)}`);
  }
}
