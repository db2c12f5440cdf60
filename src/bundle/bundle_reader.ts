/**
 * A tensor bundle opened for reading. Opening reads only the `.index` table; each tensor read touches only its own
 * bytes in its data shard (positional reads into the buffer that becomes the tensor's typed array).
 */
import { at, present } from '../checked';
import { CorruptCheckpointError, InternalError, InvalidArgumentError, NotFoundError } from '../errors';
import { allocateForRead, type ByteSource, checkRange, type FileSystem, type PlannedRead } from '../io';
import { byteStrings, offsetsFor, storageOf } from './byte_strings';
import { readChecksummed } from './checksummed_read';
import { SPAN_TENSOR_MAX, SpanReads } from './span_reads';
import { prepareCrc32c } from './crc32c';
import { dtypeInfo, type TensorValue } from './dtypes';
import { type BundleHeader, decodeEntry, decodeHeader, numElements, type TensorEntry, type TensorSlice } from './entry';
import { KeyIndex } from './key_index';
import { keyBytes, keyText } from './key_text';
import { dataFilename, indexFilename } from './naming';
import { encodeTensorNameSlice } from './ordered_code';
import { forEachSliceRun, slicesProblem } from './slices';
import { TableReader } from './table';
import { type DecodeContext, decodeFixedSize, decodeStrings, requireReadable } from './tensor_codec';

export interface BundleReadOptions {
  /** Verify each tensor's crc32c (default true). Skipping saves the checksum pass (see `npm run bench`). */
  verifyChecksums?: boolean;
}

interface OpenMode {
  /**
   * Read every index entry at open (default), which keys()/has()/entry() need; without it, tensors are found by
   * seeking the table (one block per lookup), for callers that read a few known keys from a large index.
   */
  scanIndex?: boolean;
}

const STRING_DTYPE = 7;

/** A lossless string form of arbitrary bytes, for map keys of binary (slice) keys. */
function binaryKey(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

export class BundleReader {
  /** Tensor keys in table (bytewise) order, without the header and slice keys, and their entries. */
  private readonly rawEntries: RawEntries;
  private readonly sliceEntries: Map<string, Uint8Array>;
  /** Decoded entries by entry index. */
  private readonly decoded: Array<TensorEntry | undefined> = [];
  private readonly shards = new Map<number, Promise<ByteSource>>();
  private closed = false;

  private constructor(
    readonly prefix: string,
    readonly header: BundleHeader,
    private readonly fs: FileSystem,
    private readonly index: ByteSource,
    rawEntries: RawEntries,
    sliceEntries: Map<string, Uint8Array>,
    private readonly verifyChecksums: boolean,
    /** Set when the index was not scanned: entries are then looked up in the table on demand. */
    private readonly table: TableReader | null = null,
  ) {
    this.rawEntries = rawEntries;
    this.sliceEntries = sliceEntries;
  }

  /** Opens the bundle at `prefix` (already resolved: see resolveCheckpointPrefix). */
  static async open(fs: FileSystem, prefix: string, options: BundleReadOptions & OpenMode = {}): Promise<BundleReader> {
    const indexPath = indexFilename(prefix);
    const index = await fs.open(indexPath);
    try {
      const table = await TableReader.open(index);
      if (options.scanIndex === false) {
        const raw = await table.get(new Uint8Array(0));
        if (raw === null) {
          throw new CorruptCheckpointError(
            `${indexPath}: no bundle header (the entry with the empty key) in the index`,
            { file: indexPath },
          );
        }
        const header = decodeHeader(raw, indexPath);
        return new BundleReader(
          prefix,
          header,
          fs,
          index,
          new RawEntries(),
          new Map(),
          options.verifyChecksums ?? true,
          table,
        );
      }
      // Set by the scan's callback, which narrowing does not see.
      let header = null as BundleHeader | null;
      const rawEntries = new RawEntries();
      const sliceEntries = new Map<string, Uint8Array>();
      // One pass, no object per entry. TF's keys are ASCII, kept as bytes until a key's text is asked for.
      await table.scan((key, _shared, data, vs, ve) => {
        const length = key.length;
        const bytes = key.bytes;
        if (length === 0) {
          header = decodeHeader(data.subarray(vs, ve), indexPath);
          return;
        }
        if (bytes[0] === 0) {
          sliceEntries.set(binaryKey(bytes.subarray(0, length)), data.subarray(vs, ve));
          return;
        }
        rawEntries.addScanned(bytes, length, keyText, data, vs, ve);
      });
      if (header === null) {
        throw new CorruptCheckpointError(`${indexPath}: no bundle header (the entry with the empty key) in the index`, {
          file: indexPath,
        });
      }
      return new BundleReader(prefix, header, fs, index, rawEntries, sliceEntries, options.verifyChecksums ?? true);
    } catch (err) {
      await index.close();
      throw err;
    }
  }

  get indexFile(): string {
    return this.index.name;
  }

  private requireScan(): void {
    if (this.table !== null) throw new InvalidArgumentError(`${this.indexFile} was opened without scanning its index`);
  }

  /** Tensor keys (slice keys hidden) in TensorFlow's sorted order. */
  keys(): string[] {
    this.requireScan();
    return this.rawEntries.index.keys();
  }

  has(key: string): boolean {
    this.requireScan();
    return this.rawEntries.index.find(key) >= 0;
  }

  /** Whether the key exists, looking it up in the table when the index was not scanned. */
  async lookup(key: string): Promise<boolean> {
    if (this.table === null || this.rawEntries.index.find(key) >= 0) return this.rawEntries.index.find(key) >= 0;
    const raw = await this.table.get(keyBytes(key));
    if (raw !== null) this.rawEntries.add(key, raw, 0, raw.length);
    return raw !== null;
  }

  /** The index entry of a tensor; NotFoundError with TensorFlow's text when absent. */
  entry(key: string): TensorEntry {
    const i = this.rawEntries.index.find(key);
    if (i < 0) throw new NotFoundError(`Key ${key} not found in checkpoint`, { file: this.indexFile, key });
    let e = this.decoded[i];
    if (e === undefined) {
      // Named by the stored key string, so entries share their keys with keys().
      e = decodeEntry(this.rawEntries.index.keyAt(i), this.rawEntries.bytes(i), this.header, this.indexFile);
      this.decoded[i] = e;
    }
    return e;
  }

  private shard(id: number): Promise<ByteSource> {
    if (this.closed)
      return Promise.reject(new NotFoundError(`Checkpoint ${this.prefix} was closed`, { file: this.prefix }));
    let source = this.shards.get(id);
    if (source === undefined) {
      source = this.fs.open(dataFilename(this.prefix, id, this.header.numShards)).then(async (s) => {
        // A shard that finished opening after close() must not stay open.
        if (this.closed) {
          await s.close();
          throw new NotFoundError(`Checkpoint ${this.prefix} was closed`, { file: this.prefix });
        }
        return s;
      });
      this.shards.set(id, source);
      // A failed open is not cached, so a later call can retry (e.g. after a shard finished downloading).
      source.catch(() => this.shards.delete(id));
    }
    return source;
  }

  /** The open data file that holds a whole entry's bytes, for callers that read them into memory of their own. */
  dataSource(entry: TensorEntry): Promise<ByteSource> {
    return this.shard(entry.shardId);
  }

  /** The data file that holds an entry's bytes. */
  dataFile(entry: TensorEntry): string {
    return dataFilename(this.prefix, entry.shardId, this.header.numShards);
  }

  /** Reads, verifies and decodes a tensor (reassembling it from its slices when it is partitioned). */
  async getTensor(key: string): Promise<TensorValue> {
    let value: TensorValue | undefined;
    await this.getTensors([key], (_, v) => (value = v));
    if (value === undefined)
      throw new InternalError(`${this.indexFile}: reading ${key} gave no value`, { file: this.indexFile, key });
    return value;
  }

  /**
   * Reads several tensors, calling `each(i, value)` as the tensor of `keys[i]` is ready, at most `concurrency`
   * at a time. The first failure (of a read or of `each`) stops it: no further tensor is started, reads in flight
   * settle, and the error is thrown.
   *
   * The buffers of all whole tensors are allocated before the first read: allocating while other reads fault
   * pages in makes both wait on the process's memory map.
   * Entries that alias one stored region (same shard, offset, size, dtype and crc) are read once and share one
   * value's data (each keeps its own shape): 24 keys over one 64 MiB region allocated 1.6 GB.
   */
  async getTensors(
    keys: readonly string[],
    each: (index: number, value: TensorValue) => void,
    concurrency = 16,
  ): Promise<void> {
    const entries: TensorEntry[] = [];
    /** Per entry, its region; per region, the buffer its first entry is read into (undefined for the others). */
    const regions: Region[] = [];
    const targets: Array<Uint8Array | undefined> = [];
    /** Regions of whole tensors by offset, chained where entries at one offset differ otherwise (no string per key). */
    const byOffset = new Map<number, Region>();
    let distinctBytes = 0;
    const opened = new Map<number, ByteSource>();
    for (const key of keys) {
      // Awaited only when the index was not scanned: an await per key is most of the cost of 10^5 small tensors.
      if (this.table !== null) await this.lookup(key);
      const entry = this.entry(key);
      requireReadable(entry, this.indexFile);
      entries.push(entry);
      const whole = entry.slices.length === 0;
      let known: Region | null = whole ? (byOffset.get(entry.offset) ?? null) : null;
      while (known !== null && !sameRegion(known.entry, entry)) known = known.next;
      if (known !== null) {
        known.users++;
        regions.push(known);
        targets.push(undefined);
        continue;
      }
      distinctBytes += entry.size;
      let target: Uint8Array | undefined;
      if (whole) {
        // Awaited once per shard, not per tensor: an await per region was a large part of reading 10^5 of them.
        let source = opened.get(entry.shardId);
        if (source === undefined) opened.set(entry.shardId, (source = await this.shard(entry.shardId)));
        target = allocateChecked(source, entry);
      }
      const region: Region = { entry, target, users: 1, value: null, read: null, next: null };
      if (whole) {
        region.next = byOffset.get(entry.offset) ?? null;
        byOffset.set(entry.offset, region);
      }
      regions.push(region);
      targets.push(target);
    }
    byOffset.clear();
    if (this.verifyChecksums) prepareCrc32c(distinctBytes);
    // Each stored region is announced once, with the buffer it will be read into.
    await this.announce(entries, targets);
    const spans = await this.spanReads(entries, targets);
    targets.fill(undefined);
    let next = 0;
    // Set by any worker, which narrowing does not see.
    let failure = null as { error: unknown } | null;
    const failed = (): boolean => failure !== null;
    const worker = async (): Promise<void> => {
      while (failure === null && next < entries.length) {
        const i = next++;
        try {
          const entry = at(entries, i, 'entries');
          const region = at(regions, i, 'regions');
          // A region already read is not awaited again: many keys over one region cost no promise each.
          let value = region.read;
          if (value === null) {
            region.value ??=
              entry.slices.length > 0
                ? this.readPartitioned(entry)
                : this.readWhole(entry, present(region.target, `the buffer of ${entry.key}`), spans.get(entry.shardId));
            value = region.read = await region.value;
          }
          // The last entry of a region lets its value go, so a long read does not hold every tensor to the end.
          if (--region.users === 0) {
            region.target = undefined;
            region.value = null;
            region.read = null;
          }
          // Another worker may have failed while this one awaited (a change narrowing cannot see).
          if (!failed()) each(i, value.shape === entry.shape ? value : { ...value, shape: entry.shape });
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
    if (failure !== null) throw failure.error;
  }

  /** Tells each shard which whole tensors are about to be read, so a remote one can fetch neighbours together. */
  private async announce(
    entries: readonly TensorEntry[],
    targets: ReadonlyArray<Uint8Array | undefined>,
  ): Promise<void> {
    const byShard = new Map<number, PlannedRead[]>();
    entries.forEach((entry, i) => {
      const target = targets[i];
      if (target === undefined || entry.size === 0) return;
      const reads = byShard.get(entry.shardId) ?? [];
      reads.push({ offset: entry.offset, length: entry.size, target });
      byShard.set(entry.shardId, reads);
    });
    for (const [shardId, reads] of byShard) (await this.shard(shardId)).willRead?.(reads);
  }

  /** Per local shard, span reads over the small whole tensors about to be read (when adjacent ones can be joined). */
  private async spanReads(
    entries: readonly TensorEntry[],
    targets: ReadonlyArray<Uint8Array | undefined>,
  ): Promise<Map<number, SpanReads>> {
    const byShard = new Map<number, TensorEntry[]>();
    entries.forEach((entry, i) => {
      // SpanReads serves each tensor with one read: those read in pieces (larger than the piece size) stay out.
      if (targets[i] === undefined || entry.size > SPAN_TENSOR_MAX) return;
      const list = byShard.get(entry.shardId);
      if (list === undefined) byShard.set(entry.shardId, [entry]);
      else list.push(entry);
    });
    const out = new Map<number, SpanReads>();
    for (const [shardId, list] of byShard) {
      if (list.length < 2) continue;
      const source = await this.shard(shardId);
      // Local files only: a remote source merges announced reads itself, and memory costs nothing per read.
      if (source.readPieceSize === undefined) continue;
      const pieceSize = source.readPieceSize;
      const spans = new SpanReads(
        source,
        list.filter((e) => e.size <= pieceSize),
      );
      if (spans.useful) out.set(shardId, spans);
    }
    return out;
  }

  /**
   * The buffer a whole tensor is read into: one of its own (8-byte aligned), which becomes the typed array without
   * a copy. Its range is checked first: a corrupt size must not make the reader allocate more than the file holds.
   */
  private async allocateFor(entry: TensorEntry): Promise<Uint8Array> {
    return allocateChecked(await this.shard(entry.shardId), entry);
  }

  private async readWhole(entry: TensorEntry, bytes: Uint8Array, via?: ByteSource): Promise<TensorValue> {
    const source = via ?? (await this.shard(entry.shardId));
    const ctx: DecodeContext = {
      file: source.name,
      endianness: this.header.endianness,
      verifyChecksums: this.verifyChecksums,
    };
    if (entry.dtypeId === STRING_DTYPE)
      return decodeStrings(entry, await source.read(entry.offset, entry.size, bytes), ctx);
    if (!this.verifyChecksums) return decodeFixedSize(entry, await source.read(entry.offset, entry.size, bytes), ctx);
    return decodeFixedSize(entry, bytes, ctx, await readChecksummed(source, entry.offset, bytes));
  }

  private async sliceEntry(entry: TensorEntry, index: number): Promise<TensorEntry> {
    const slice = at(entry.slices, index, `slices of ${entry.key}`);
    const sliceKey = encodeTensorNameSlice(entry.key, slice);
    const raw =
      this.sliceEntries.get(binaryKey(sliceKey)) ??
      (this.table ? ((await this.table.get(sliceKey)) ?? undefined) : undefined);
    const where = `slice ${index} [${slice.extents.map((e) => `${e.start}:${e.length}`).join(',')}] of ${entry.key}`;
    if (raw === undefined) {
      throw new CorruptCheckpointError(`${this.indexFile}: ${where} is listed but not stored`, {
        file: this.indexFile,
        key: entry.key,
      });
    }
    const part = decodeEntry(`${entry.key} (${where})`, raw, this.header, this.indexFile);
    const expected = sliceShape(entry, index);
    if (part.dtypeId !== entry.dtypeId || part.shape.join(',') !== expected.join(',')) {
      throw new CorruptCheckpointError(
        `${this.indexFile}: ${where} is stored as ${part.dtype}[${part.shape.join()}] but should be ${entry.dtype}[${expected.join()}]`,
        { file: this.indexFile, key: entry.key },
      );
    }
    return part;
  }

  private async readPartitioned(entry: TensorEntry): Promise<TensorValue> {
    const info = dtypeInfo(entry.dtypeId);
    const count = numElements(entry.shape) ?? 0;
    // Checked before any slice is looked up or any buffer allocated: duplicated slices made a 193 KB file a 1 GiB
    // tensor, and gaps came back as zeros.
    const problem = slicesProblem(entry.key, entry.slices, entry.shape);
    if (problem !== null)
      throw new CorruptCheckpointError(`${this.indexFile}: ${problem}`, { file: this.indexFile, key: entry.key });
    const stored = await Promise.all(entry.slices.map((_, i) => this.sliceEntry(entry, i)));
    if (this.verifyChecksums) prepareCrc32c(stored.reduce((n, e) => n + e.size, 0));
    const parts = await Promise.all(stored.map(async (part) => this.readWhole(part, await this.allocateFor(part))));
    if (entry.dtypeId === STRING_DTYPE) return assembleStrings(entry, parts, count);
    const width = info.itemSize;
    const full = new Uint8Array(new ArrayBuffer(count * width));
    parts.forEach((part, i) => {
      const data = part.data as Exclude<TensorValue['data'], Uint8Array[]>;
      const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      forEachSliceRun(at(entry.slices, i, `slices of ${entry.key}`), entry.shape, (s, d, n) =>
        full.set(src.subarray(s * width, (s + n) * width), d * width),
      );
    });
    // The parts were verified and byte-swapped already; decode the assembled bytes as native little-endian.
    return decodeFixedSize(entry, full, { file: this.indexFile, endianness: 'little', verifyChecksums: false });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const shards = [...this.shards.values()];
    this.shards.clear();
    await Promise.allSettled([this.index.close(), ...shards.map(async (s) => (await s).close())]);
  }
}

/** One stored region that getTensors reads once for every entry over it. */
interface Region {
  /** The first entry over it. */
  readonly entry: TensorEntry;
  /** The buffer it is read into (whole tensors), until its last entry has its value. */
  target: Uint8Array | undefined;
  /** Entries that still need its value. */
  users: number;
  value: Promise<TensorValue> | null;
  read: TensorValue | null;
  /** Another region at the same offset. */
  next: Region | null;
}

/** Whether two whole-tensor entries at one offset are one stored region (same shard, size, dtype and crc). */
function sameRegion(a: TensorEntry, b: TensorEntry): boolean {
  return (
    a.shardId === b.shardId &&
    a.offset === b.offset &&
    a.size === b.size &&
    a.dtypeId === b.dtypeId &&
    a.crc32c === b.crc32c
  );
}

/** A buffer for a whole tensor's bytes, after checking they lie inside its data file. */
function allocateChecked(source: ByteSource, entry: TensorEntry): Uint8Array {
  checkRange(source.name, source.size, entry.offset, entry.size);
  return allocateForRead(entry.size);
}

function sliceShape(entry: TensorEntry, index: number): number[] {
  return at(entry.slices, index, `slices of ${entry.key}`).extents.map((e, d) =>
    e.length === -1 ? at(entry.shape, d, `shape of ${entry.key}`) : e.length,
  );
}

/** A partitioned string tensor's values, as one buffer plus offsets (no object per element). */
function assembleStrings(entry: TensorEntry, parts: TensorValue[], count: number): TensorValue {
  const stores = parts.map((p) =>
    present(storageOf(p.data as Uint8Array[]), `the string storage of a slice of ${entry.key}`),
  );
  const total = stores.reduce((n, st) => n + st.payload.length, 0);
  const lengths = offsetsFor(count, total);
  const sliceAt = (i: number): TensorSlice => at(entry.slices, i, `slices of ${entry.key}`);
  stores.forEach((st, i) => {
    forEachSliceRun(sliceAt(i), entry.shape, (s, d, n) => {
      for (let k = 0; k < n; k++)
        lengths[d + k + 1] = at(st.offsets, s + k + 1, 'string offsets') - at(st.offsets, s + k, 'string offsets');
    });
  });
  // Lengths to offsets, in place.
  let sum = 0;
  for (let i = 0; i <= count; i++) {
    sum += at(lengths, i, 'string lengths');
    lengths[i] = sum;
  }
  const payload = new Uint8Array(total);
  stores.forEach((st, i) => {
    forEachSliceRun(sliceAt(i), entry.shape, (s, d, n) =>
      payload.set(st.payload.subarray(st.offsets[s], st.offsets[s + n]), lengths[d]),
    );
  });
  return { dtype: 'string', shape: entry.shape, data: byteStrings(payload, lengths) };
}

/**
 * Index entries by key: where each entry's bytes lie in the index blocks, as numbers, rather than one Uint8Array
 * view per entry (10^6 of those were most of an open's time, in garbage collection).
 */
class RawEntries {
  readonly index = new KeyIndex();
  private readonly chunks: Uint8Array[] = [];
  /** Chunk, start and end of entry i at [3i], [3i + 1], [3i + 2]. */
  private refs = new Uint32Array(3 * 1024);

  add(key: string, chunk: Uint8Array, start: number, end: number): void {
    this.place(this.index.add(key), chunk, start, end);
  }

  /** add() for a key scanned as bytes, key[0, keyLength) (see KeyIndex.addScanned). */
  addScanned(
    key: Uint8Array,
    keyLength: number,
    text: (bytes: Uint8Array) => string,
    chunk: Uint8Array,
    start: number,
    end: number,
  ): void {
    this.place(this.index.addScanned(key, keyLength, text), chunk, start, end);
  }

  private place(i: number, chunk: Uint8Array, start: number, end: number): void {
    if (this.chunks[this.chunks.length - 1] !== chunk) this.chunks.push(chunk);
    if (3 * i + 3 > this.refs.length) {
      const grown = new Uint32Array(this.refs.length * 2);
      grown.set(this.refs);
      this.refs = grown;
    }
    this.refs[3 * i] = this.chunks.length - 1;
    this.refs[3 * i + 1] = start;
    this.refs[3 * i + 2] = end;
  }

  /** The entry bytes of entry i. */
  bytes(i: number): Uint8Array {
    return at(this.chunks, this.refs[3 * i] ?? -1, 'index chunks').subarray(this.refs[3 * i + 1], this.refs[3 * i + 2]);
  }
}
