/**
 * Encodes tensors as a tensor bundle: data bytes per shard in the order given (TensorFlow writes in save order),
 * and the `.index` table (header under the empty key, then one BundleEntryProto per key in sorted order).
 */

import { at } from '../checked';
import { InvalidArgumentError } from '../errors';
import { crc32c, maskCrc } from './crc32c';
import { dtypeByName, type DTypeInfo, type TensorValue } from './dtypes';
import { numElements, TENSOR_BUNDLE_VERSION } from './entry';
import { keyBytes } from './key_text';
import { dataFilename, indexFilename } from './naming';
import { tensorflow } from './protos';
import { compareBytes } from './table';
import { concatBytes, TableBuilder, type TableBuilderOptions } from './table_builder';
import { byteSwap, encodeStrings } from './tensor_codec';

export interface TensorToWrite {
  key: string;
  value: TensorValue;
  /** Data file to put the bytes in (default 0). */
  shard?: number;
}

export interface BundleEncodeOptions {
  numShards?: number;
  endianness?: 'little' | 'big';
  table?: TableBuilderOptions;
}

export interface EncodedBundle {
  /** The `.index` file, in chunks. */
  index: Uint8Array[];
  /** Each data file, in chunks (views of the tensors' own buffers where possible). */
  shards: Uint8Array[][];
}

/** The stored bytes and unmasked crc32c of one tensor. */
export function tensorBytes(
  value: TensorValue,
  endianness: 'little' | 'big' = 'little',
): { bytes: Uint8Array; crc: number } {
  if (value.dtype === 'string') return encodeStrings(value.data);
  const info = knownDType(value.dtype);
  const perElement = value.dtype === 'complex64' || value.dtype === 'complex128' ? 2 : 1;
  const expected = (numElements(value.shape) ?? -1) * perElement;
  if (value.data.length !== expected) {
    throw new InvalidArgumentError(
      `A ${value.dtype} tensor of shape [${value.shape.join()}] needs ${expected} values, got ${value.data.length}`,
    );
  }
  let bytes = new Uint8Array(value.data.buffer, value.data.byteOffset, value.data.byteLength);
  if (endianness === 'big') {
    bytes = bytes.slice();
    byteSwap(bytes, info.swapSize);
  }
  return { bytes, crc: crc32c(bytes) };
}

/** A BundleEntryProto with only non-default fields set, as TensorFlow's serializer emits them. */
export function encodeEntryProto(fields: {
  dtypeId: number;
  shape: readonly number[];
  shardId: number;
  offset: number;
  size: number;
  crc32c: number;
}): Uint8Array {
  const msg: tensorflow.BundleEntryProto.$Properties = {
    dtype: fields.dtypeId,
    shape: { dim: fields.shape.map((size) => ({ size })) },
  };
  if (fields.shardId !== 0) msg.shardId = fields.shardId;
  if (fields.offset !== 0) msg.offset = fields.offset;
  if (fields.size !== 0) msg.size = fields.size;
  msg.crc32c = fields.crc32c;
  return tensorflow.BundleEntryProto.encode(msg).finish();
}

export function encodeHeaderProto(numShards: number, endianness: 'little' | 'big'): Uint8Array {
  const msg: tensorflow.BundleHeaderProto.$Properties = { numShards, version: { producer: TENSOR_BUNDLE_VERSION } };
  if (endianness === 'big') msg.endianness = tensorflow.BundleHeaderProto.Endianness.BIG;
  return tensorflow.BundleHeaderProto.encode(msg).finish();
}

export function encodeBundle(tensors: readonly TensorToWrite[], options: BundleEncodeOptions = {}): EncodedBundle {
  const numShards = options.numShards ?? 1;
  const endianness = options.endianness ?? 'little';
  const shards: Uint8Array[][] = Array.from({ length: numShards }, () => []);
  const offsets = new Array<number>(numShards).fill(0);
  const entries: Array<[Uint8Array, Uint8Array]> = [];
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.key)) throw new InvalidArgumentError(`Duplicate tensor key ${t.key}`, { key: t.key });
    seen.add(t.key);
    const shard = t.shard ?? 0;
    if (!Number.isInteger(shard) || shard < 0 || shard >= numShards) {
      throw new InvalidArgumentError(`Shard ${shard} outside 0..${numShards - 1}`, { key: t.key });
    }
    const { bytes, crc } = tensorBytes(t.value, endianness);
    const info = knownDType(t.value.dtype);
    const offset = at(offsets, shard, 'shard offsets');
    const entry = encodeEntryProto({
      dtypeId: info.id,
      shape: t.value.shape,
      shardId: shard,
      offset,
      size: bytes.length,
      crc32c: maskCrc(crc),
    });
    at(shards, shard, 'shards').push(bytes);
    offsets[shard] = offset + bytes.length;
    entries.push([keyBytes(t.key), entry]);
  }
  entries.sort((a, b) => compareBytes(a[0], b[0]));
  const table = new TableBuilder(options.table);
  table.add(new Uint8Array(0), encodeHeaderProto(numShards, endianness));
  for (const [key, value] of entries) table.add(key, value);
  return { index: table.finish(), shards };
}

/** The bundle's files as name → bytes, for in-memory file systems. */
export function bundleFiles(prefix: string, bundle: EncodedBundle): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = { [indexFilename(prefix)]: concatBytes(bundle.index) };
  bundle.shards.forEach((chunks, i) => {
    files[dataFilename(prefix, i, bundle.shards.length)] = concatBytes(chunks);
  });
  return files;
}

/** The dtype a value names; checked, since callers from plain JavaScript can name any. */
function knownDType(name: string): DTypeInfo {
  const info = dtypeByName(name);
  if (info === undefined) throw new InvalidArgumentError(`Unknown dtype ${name}`);
  return info;
}
