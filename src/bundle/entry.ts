/**
 * The bundle header and entries, decoded from their protos and validated once, so later code can trust every
 * number in them (shapes, sizes, offsets, shard ids) without re-checking.
 */
import { CorruptCheckpointError, UnsupportedError } from '../errors';
import { type DTypeName, dtypeInfo } from './dtypes';
import { decodeMessage, tensorflow, toSafeCount, toSafeInt } from './protos';

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
  return { numShards: h.numShards, endianness: endianness === 1 ? 'big' : 'little', version: { producer, minConsumer, badConsumers } };
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

export function decodeEntry(key: string, bytes: Uint8Array, header: BundleHeader, file: string): TensorEntry {
  const fail = (what: string): never => {
    throw new CorruptCheckpointError(`${file}: ${what} in the entry for key ${key}`, { file, key });
  };
  const e = decodeMessage((b) => tensorflow.BundleEntryProto.decode(b), bytes, `bundle entry for key ${key}`, { file, key });
  const info = dtypeInfo(e.dtype);
  if (e.shape?.unknownRank) fail('unknown rank');
  const shape = (e.shape?.dim ?? []).map((d) => toSafeCount(d.size) ?? fail(`invalid dimension ${String(d.size)}`));
  const count = numElements(shape) ?? fail(`shape [${shape.join(',')}] has too many elements`);
  const offset = toSafeCount(e.offset) ?? fail(`invalid offset ${String(e.offset)}`);
  const size = toSafeCount(e.size) ?? fail(`invalid size ${String(e.size)}`);
  const slices = e.slices.map((s) => decodeSlice(s, shape, fail));
  const shardId = e.shardId;
  if (slices.length === 0) {
    if (!Number.isInteger(shardId) || shardId < 0 || shardId >= header.numShards) {
      fail(`shard id ${shardId} outside the bundle's ${header.numShards} shards`);
    }
    if (info.array !== null && info.itemSize > 0 && count * info.itemSize !== size) {
      // TensorFlow's text for the same check.
      throw new CorruptCheckpointError(
        `Invalid size in bundle entry: key ${key}; stored size ${size}; expected size ${count * info.itemSize}`,
        { file, key },
      );
    }
  }
  return { key, dtype: info.name, dtypeId: e.dtype, shape, shardId, offset, size, crc32c: e.crc32c >>> 0, slices };
}

function decodeSlice(s: tensorflow.TensorSliceProto.$Properties, shape: number[], fail: (what: string) => never): TensorSlice {
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
