/**
 * The bundle header and entries, decoded from their protos and validated once, so later code can trust every
 * number in them (shapes, sizes, offsets, shard ids) without re-checking.
 */
import { CorruptCheckpointError, UnsupportedError } from '../errors';
import { type DTypeName, dtypeInfo } from './dtypes';
import { decodeMessage, tensorflow, toSafeCount, toSafeInt } from './protos';
import { type Cursor, readVarint64 } from './varint';

/** Per dimension, where a slice starts and how long it is; `length` −1 means "to the end of the dimension". */
export interface SliceExtent {
  start: number;
  length: number;
}

/** One stored slice of a partitioned tensor. */
export interface TensorSlice {
  extents: SliceExtent[];
}

/** What the index says about one tensor. */
export interface TensorEntry {
  key: string;
  dtype: DTypeName;
  /** TensorFlow's numeric DataType id. */
  dtypeId: number;
  shape: number[];
  /** Which data file holds the bytes; meaningless (0) for a partitioned tensor, whose slices say. */
  shardId: number;
  offset: number;
  size: number;
  /** The stored (masked) crc32c of the bytes. */
  crc32c: number;
  /** Non-empty for a tensor stored as slices (partitioned variables, MaxShardSizePolicy). */
  slices: TensorSlice[];
}

/**
 * The header of a checkpoint's index (TensorFlow's `BundleHeaderProto`): how many data files, their byte order,
 * and the format version that wrote them.
 */
export interface BundleHeader {
  numShards: number;
  endianness: 'little' | 'big';
  version: { producer: number; minConsumer: number; badConsumers: number[] };
}

/** The bundle format version this reader understands (TensorFlow's kTensorBundleVersion). */
export const TENSOR_BUNDLE_VERSION = 1;
/** Far beyond any real checkpoint; bounds how many file handles a corrupt header could make us plan for. */
const MAX_SHARDS = 1 << 20;

export function decodeHeader(bytes: Uint8Array, file: string): BundleHeader {
  const h = decodeMessage((b) => tensorflow.BundleHeaderProto.decode(b), bytes, 'bundle header', { file });
  if (!Number.isInteger(h.numShards) || h.numShards < 1 || h.numShards > MAX_SHARDS) {
    throw new CorruptCheckpointError(`${file}: invalid number of shards ${h.numShards} in bundle header`, { file });
  }
  // Decoding keeps enum numbers it does not know: 0 is LITTLE, 1 is BIG.
  const endianness: number = h.endianness;
  if (endianness !== 0 && endianness !== 1) {
    throw new CorruptCheckpointError(`${file}: unknown endianness ${endianness} in bundle header`, { file });
  }
  const version = h.version ?? {};
  const producer = version.producer ?? 0;
  const minConsumer = version.minConsumer ?? 0;
  const badConsumers = version.badConsumers ?? [];
  // TensorFlow's CheckVersions: this reader is consumer version 1.
  if (minConsumer > TENSOR_BUNDLE_VERSION || badConsumers.includes(TENSOR_BUNDLE_VERSION)) {
    throw new UnsupportedError(
      `${file}: bundle needs consumer version ≥ ${minConsumer} (producer ${producer}); this reader is version ${TENSOR_BUNDLE_VERSION}`,
      { file },
    );
  }
  return {
    numShards: h.numShards,
    endianness: endianness === 1 ? 'big' : 'little',
    version: { producer, minConsumer, badConsumers },
  };
}

/** Product of dimensions, or null if it is not a safe integer. */
export function numElements(shape: readonly number[]): number | null {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return null;
  }
  return n;
}

function entryError(file: string, key: string, what: string): never {
  throw new CorruptCheckpointError(`${file}: ${what} in the entry for key ${key}`, { file, key });
}

export function decodeEntry(key: string, bytes: Uint8Array, header: BundleHeader, file: string): TensorEntry {
  // No closure per entry (10^6 entries are decoded in a restore): errors are raised by entryError.
  // Entries of whole tensors with ordinary numbers (all TensorFlow writes but partitioned ones) take the lean path;
  // anything else is decoded by protobufjs, whose values the checks below quote in their messages.
  const lean = leanEntry(bytes);
  let dtypeId: number;
  let shape: number[];
  let offset: number;
  let size: number;
  let shardId: number;
  let crc: number;
  let slices: TensorSlice[];
  if (lean !== null) {
    ({ dtypeId, shape, offset, size, shardId, crc32c: crc } = lean);
    slices = NO_SLICES;
  } else {
    const fail = (what: string): never => entryError(file, key, what);
    const e = decodeMessage((b) => tensorflow.BundleEntryProto.decode(b), bytes, `bundle entry for key ${key}`, {
      file,
      key,
    });
    if (e.shape?.unknownRank) fail('unknown rank');
    dtypeId = e.dtype;
    shape = (e.shape?.dim ?? []).map((d) => toSafeCount(d.size) ?? fail(`invalid dimension ${String(d.size)}`));
    offset = toSafeCount(e.offset) ?? fail(`invalid offset ${String(e.offset)}`);
    size = toSafeCount(e.size) ?? fail(`invalid size ${String(e.size)}`);
    const dims = shape;
    slices = e.slices.map((sl) => decodeSlice(sl, dims, fail));
    shardId = e.shardId;
    crc = e.crc32c;
  }
  const info = dtypeInfo(dtypeId);
  const count = numElements(shape) ?? entryError(file, key, `shape [${shape.join(',')}] has too many elements`);
  if (slices.length === 0) {
    if (!Number.isInteger(shardId) || shardId < 0 || shardId >= header.numShards) {
      entryError(file, key, `shard id ${shardId} outside the bundle's ${header.numShards} shards`);
    }
    if (info.array !== null && info.itemSize > 0 && count * info.itemSize !== size) {
      // TensorFlow's text for the same check.
      throw new CorruptCheckpointError(
        `Invalid size in bundle entry: key ${key}; stored size ${size}; expected size ${count * info.itemSize}`,
        { file, key },
      );
    }
  }
  return { key, dtype: info.name, dtypeId, shape, shardId, offset, size, crc32c: crc >>> 0, slices };
}

/**
 * The slices of every whole tensor: one empty list, never written to. (Readers only iterate it; a list per entry
 * was an array per key of a 10^6-key index.)
 */
const NO_SLICES: TensorSlice[] = Object.freeze([]) as unknown as TensorSlice[];

/** The fields of a whole tensor's entry that its bytes hold (the rest, key and dtype name, come from elsewhere). */
export type LeanEntry = Pick<TensorEntry, 'dtypeId' | 'shape' | 'shardId' | 'offset' | 'size' | 'crc32c'>;

/**
 * A BundleEntryProto decoded without protobufjs (no message objects, no Long per int64), or null when it is
 * anything but a whole tensor whose numbers are all non-negative safe integers (then the full decoder runs).
 * Unknown fields are skipped as protobuf skips them.
 */
export function leanEntry(buf: Uint8Array): LeanEntry | null {
  const c = { pos: 0 };
  const end = buf.length;
  const out: LeanEntry = { dtypeId: 0, shape: [], shardId: 0, offset: 0, size: 0, crc32c: 0 };
  while (c.pos < end) {
    const tag = readVarint64(buf, c, end);
    if (tag < 8) return null;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 1 || field === 3 || field === 4 || field === 5) {
      if (wire !== 0) return null;
      const v = readVarint64(buf, c, end);
      if (v < 0 || ((field === 1 || field === 3) && v > 0x7fffffff)) return null;
      if (field === 1) out.dtypeId = v;
      else if (field === 3) out.shardId = v;
      else if (field === 4) out.offset = v;
      else out.size = v;
    } else if (field === 2) {
      if (wire !== 2) return null;
      const length = readVarint64(buf, c, end);
      if (length < 0 || c.pos + length > end) return null;
      const shape = leanShape(buf, c.pos, c.pos + length);
      if (shape === null) return null;
      out.shape = shape;
      c.pos += length;
    } else if (field === 6) {
      if (wire !== 5 || c.pos + 4 > end) return null;
      // Little-endian fixed32; the bound above keeps the four reads in range.
      out.crc32c =
        ((buf[c.pos] ?? 0) |
          ((buf[c.pos + 1] ?? 0) << 8) |
          ((buf[c.pos + 2] ?? 0) << 16) |
          ((buf[c.pos + 3] ?? 0) << 24)) >>>
        0;
      c.pos += 4;
    } else if (field === 7) {
      return null;
    } else if (!skipField(buf, c, end, wire)) {
      return null;
    }
  }
  return out;
}

/** A TensorShapeProto's dims (names skipped), or null for an unknown rank or a dim that is not a safe count. */
function leanShape(buf: Uint8Array, start: number, end: number): number[] | null {
  const c = { pos: start };
  const dims: number[] = [];
  while (c.pos < end) {
    const tag = readVarint64(buf, c, end);
    if (tag < 8) return null;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 2 && wire === 2) {
      const length = readVarint64(buf, c, end);
      if (length < 0 || c.pos + length > end) return null;
      const dimEnd = c.pos + length;
      let size = 0;
      while (c.pos < dimEnd) {
        const t = readVarint64(buf, c, dimEnd);
        if (t < 8) return null;
        if (t === 8) {
          size = readVarint64(buf, c, dimEnd);
          if (size < 0) return null;
        } else if (!skipField(buf, c, dimEnd, t % 8)) return null;
      }
      dims.push(size);
    } else if (field === 3) {
      return null;
    } else if (!skipField(buf, c, end, wire)) {
      return null;
    }
  }
  return dims;
}

/** Skips a field of wire type `wire` (groups are left to the full decoder); false when it runs past `end`. */
function skipField(buf: Uint8Array, c: Cursor, end: number, wire: number): boolean {
  switch (wire) {
    case 0:
      return readVarint64(buf, c, end) >= 0;
    case 1:
      c.pos += 8;
      return c.pos <= end;
    case 2: {
      const length = readVarint64(buf, c, end);
      if (length < 0) return false;
      c.pos += length;
      return c.pos <= end;
    }
    case 5:
      c.pos += 4;
      return c.pos <= end;
    default:
      return false;
  }
}

function decodeSlice(
  s: tensorflow.TensorSliceProto.$Properties,
  shape: number[],
  fail: (what: string) => never,
): TensorSlice {
  const extents = (s.extent ?? []).map((x, d) => {
    const start = toSafeCount(x.start) ?? fail(`invalid slice start ${String(x.start)}`);
    const hasLength = x.length !== null && x.length !== undefined;
    const length = hasLength ? (toSafeInt(x.length) ?? fail(`invalid slice length ${String(x.length)}`)) : -1;
    const dim = shape[d];
    if (dim === undefined) return fail('slice has more dimensions than the tensor');
    if (length < -1 || start + Math.max(length, 0) > dim || (length === -1 && start !== 0)) {
      fail(`slice extent (start ${start}, length ${length}) outside dimension ${d} of size ${dim}`);
    }
    return { start, length };
  });
  if (extents.length !== shape.length) fail(`slice of rank ${extents.length} for a tensor of rank ${shape.length}`);
  return { extents };
}
