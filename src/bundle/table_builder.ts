/**
 * Writes an SSTable in the layout TensorFlow's table builder produces for bundle indexes: 256 KiB data blocks with
 * a restart point every 16 entries, an index block with a restart point at every entry whose keys are the
 * shortest separators between blocks, an empty metaindex block, and the 48-byte footer. Blocks are stored
 * uncompressed (TF's bundle writer disables compression) unless Snappy is asked for (tests of readers).
 */

import { at, present } from '../checked';
import { InvalidArgumentError } from '../errors';
import { crc32c, maskCrc } from './crc32c';
import {
  BLOCK_TRAILER_LENGTH,
  type BlockHandle,
  BlockType,
  compareBytes,
  FOOTER_LENGTH,
  FOOTER_MAGIC_OFFSET,
  TABLE_MAGIC_HI,
  TABLE_MAGIC_LO,
} from './table';
import { varintLength, writeVarint } from './varint';

export interface TableBuilderOptions {
  blockSize?: number;
  restartInterval?: number;
  /**
   * A Snappy block compressor (e.g. snappyjs's `compress`), to write Snappy blocks: TensorFlow never does for
   * bundles, but readers must accept them. Passed in, so the package carries no compressor it does not use.
   */
  snappy?: ((block: Uint8Array) => Uint8Array) | undefined;
}

class BlockBuilder {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private restarts: number[] = [0];
  private counter = 0;
  private lastKey: Uint8Array = new Uint8Array(0);
  entries = 0;

  constructor(private readonly restartInterval: number) {}

  get empty(): boolean {
    return this.entries === 0;
  }

  /** Bytes the block will take when finished (entries, restart array, count). */
  sizeEstimate(): number {
    return this.size + this.restarts.length * 4 + 4;
  }

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const n = Math.min(this.lastKey.length, key.length);
      while (shared < n && this.lastKey[shared] === key[shared]) shared++;
    } else {
      this.restarts.push(this.size);
      this.counter = 0;
    }
    const nonShared = key.length - shared;
    const header = new Uint8Array(varintLength(shared) + varintLength(nonShared) + varintLength(value.length));
    let p = writeVarint(header, 0, shared);
    p = writeVarint(header, p, nonShared);
    writeVarint(header, p, value.length);
    this.chunks.push(header, key.subarray(shared), value);
    this.size += header.length + nonShared + value.length;
    this.lastKey = key;
    this.counter++;
    this.entries++;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.sizeEstimate());
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    const view = new DataView(out.buffer);
    for (const r of this.restarts) {
      view.setUint32(at, r, true);
      at += 4;
    }
    view.setUint32(at, this.restarts.length, true);
    return out;
  }
}

/** The shortest key ≥ `start` and < `limit` (bytewise), or `start` itself when none is shorter. */
export function shortestSeparator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const n = Math.min(start.length, limit.length);
  let i = 0;
  while (i < n && start[i] === limit[i]) i++;
  if (i >= n) return start;
  const b = at(start, i, 'start key');
  if (b < 0xff && b + 1 < at(limit, i, 'limit key')) {
    const out = start.slice(0, i + 1);
    out[i] = b + 1;
    return out;
  }
  return start;
}

/** The shortest key ≥ `key`. */
export function shortSuccessor(key: Uint8Array): Uint8Array {
  for (let i = 0; i < key.length; i++) {
    if (key[i] !== 0xff) {
      const out = key.slice(0, i + 1);
      out[i] = at(key, i, 'key') + 1;
      return out;
    }
  }
  return key;
}

export class TableBuilder {
  private readonly blockSize: number;
  private readonly snappy: ((block: Uint8Array) => Uint8Array) | undefined;
  private readonly out: Uint8Array[] = [];
  private offset = 0;
  private data: BlockBuilder;
  private readonly index = new BlockBuilder(1);
  private lastKey: Uint8Array | null = null;
  private pendingHandle: BlockHandle | null = null;
  private readonly restartInterval: number;

  constructor(options: TableBuilderOptions = {}) {
    this.blockSize = options.blockSize ?? 262144;
    this.restartInterval = options.restartInterval ?? 16;
    this.snappy = options.snappy;
    this.data = new BlockBuilder(this.restartInterval);
  }

  /** Adds an entry; keys must arrive in strictly increasing bytewise order. */
  add(key: Uint8Array, value: Uint8Array): void {
    if (this.lastKey !== null && compareBytes(this.lastKey, key) >= 0) {
      throw new InvalidArgumentError('Table keys must be added in strictly increasing order');
    }
    if (this.pendingHandle !== null) {
      // A pending handle means a block was written, so a key was added before.
      this.index.add(shortestSeparator(present(this.lastKey, 'the last key'), key), encodeHandle(this.pendingHandle));
      this.pendingHandle = null;
    }
    this.lastKey = key;
    this.data.add(key, value);
    if (this.data.sizeEstimate() >= this.blockSize) this.flush();
  }

  private flush(): void {
    if (this.data.empty) return;
    this.pendingHandle = this.writeBlock(this.data.finish(), this.snappy);
    this.data = new BlockBuilder(this.restartInterval);
  }

  private writeBlock(contents: Uint8Array, snappy: ((block: Uint8Array) => Uint8Array) | undefined): BlockHandle {
    let body = contents;
    let type = BlockType.Raw;
    if (snappy !== undefined) {
      const compressed = snappy(contents);
      // As LevelDB does: keep the raw block unless compression saves at least 12.5%.
      if (compressed.length < contents.length - contents.length / 8) {
        body = compressed;
        type = BlockType.Snappy;
      }
    }
    const trailer = new Uint8Array(BLOCK_TRAILER_LENGTH);
    trailer[0] = type;
    const crc = crc32c(trailer.subarray(0, 1), crc32c(body));
    new DataView(trailer.buffer).setUint32(1, maskCrc(crc), true);
    const handle = { offset: this.offset, size: body.length };
    this.out.push(body, trailer);
    this.offset += body.length + BLOCK_TRAILER_LENGTH;
    return handle;
  }

  /** Finishes the table and returns its bytes as chunks (to write without concatenating). */
  finish(): Uint8Array[] {
    this.flush();
    const metaindex = this.writeBlock(new BlockBuilder(this.restartInterval).finish(), undefined);
    if (this.pendingHandle !== null) {
      this.index.add(shortSuccessor(present(this.lastKey, 'the last key')), encodeHandle(this.pendingHandle));
      this.pendingHandle = null;
    }
    const indexHandle = this.writeBlock(this.index.finish(), undefined);
    const footer = new Uint8Array(FOOTER_LENGTH);
    let p = writeVarint(footer, 0, metaindex.offset);
    p = writeVarint(footer, p, metaindex.size);
    p = writeVarint(footer, p, indexHandle.offset);
    writeVarint(footer, p, indexHandle.size);
    const view = new DataView(footer.buffer);
    view.setUint32(FOOTER_MAGIC_OFFSET, TABLE_MAGIC_LO, true);
    view.setUint32(FOOTER_MAGIC_OFFSET + 4, TABLE_MAGIC_HI, true);
    this.out.push(footer);
    return this.out;
  }
}

function encodeHandle(h: BlockHandle): Uint8Array {
  const out = new Uint8Array(varintLength(h.offset) + varintLength(h.size));
  writeVarint(out, writeVarint(out, 0, h.offset), h.size);
  return out;
}

/** Concatenates chunks (for tests and small files). */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
