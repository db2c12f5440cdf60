/**
 * Builders of structured hostile checkpoints: shapes a byte-mutating fuzzer never reaches (a 100,000-deep chain,
 * one node with 80,000 attributes, duplicate or overlapping slices, millions of empty strings, many keys over one
 * region). Each builds a valid bundle with the package's own encoders, so the damage is in the structure, not in
 * the bytes, and every checksum is right.
 */
import Long from 'long';

import type { ObjectGraph, SerializedTensor, TrackableObject } from '../../src';
import { encodeEntryProto, encodeHeaderProto, tensorBytes } from '../../src/bundle/bundle_encoder';
import { crc32c, maskCrc } from '../../src/bundle/crc32c';
import { dtypeByName, type TensorValue } from '../../src/bundle/dtypes';
import type { TensorSlice } from '../../src/bundle/entry';
import { encodeTensorNameSlice } from '../../src/bundle/ordered_code';
import { tensorflow } from '../../src/bundle/protos';
import { compareBytes } from '../../src/bundle/table';
import { concatBytes, TableBuilder, type TableBuilderOptions } from '../../src/bundle/table_builder';
import { encodeObjectGraph, OBJECT_GRAPH_PROTO_KEY } from '../../src/graph/object_graph';
import { compress } from 'snappyjs';

export const PREFIX = '/hostile/ckpt';
const utf8 = new TextEncoder();

/** One index entry as raw bytes: a key (any bytes) and its BundleEntryProto. */
export type RawEntry = [Uint8Array, Uint8Array];

/** Assembles a single-shard bundle from raw entries and the data file's bytes. */
export function rawBundle(
  entries: RawEntry[],
  data: Uint8Array,
  table: TableBuilderOptions = {},
): Map<string, Uint8Array> {
  const sorted = [...entries].sort((a, b) => compareBytes(a[0], b[0]));
  const t = new TableBuilder(table);
  t.add(new Uint8Array(0), encodeHeaderProto(1, 'little'));
  for (const [k, v] of sorted) t.add(k, v);
  return new Map([
    [`${PREFIX}.index`, concatBytes(t.finish())],
    [`${PREFIX}.data-00000-of-00001`, data],
  ]);
}

/** Lays tensors out in one data file; returns their entries and the file. Keys may be raw bytes. */
export class DataFile {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  readonly entries: RawEntry[] = [];

  /** Appends a tensor's bytes and records an entry for it; returns where they lie. */
  add(key: string | Uint8Array, value: TensorValue): { offset: number; size: number; crc: number } {
    const { bytes, crc } = tensorBytes(value);
    const at = { offset: this.size, size: bytes.length, crc: maskCrc(crc) };
    this.chunks.push(bytes);
    this.size += bytes.length;
    this.entry(key, value.dtype, value.shape, at);
    return at;
  }

  /** An entry pointing at bytes already in the file (an alias). */
  entry(
    key: string | Uint8Array,
    dtype: string,
    shape: readonly number[],
    at: { offset: number; size: number; crc: number },
  ): void {
    const k = typeof key === 'string' ? utf8.encode(key) : key;
    this.entries.push([
      k,
      encodeEntryProto({
        dtypeId: dtypeByName(dtype)!.id,
        shape,
        shardId: 0,
        offset: at.offset,
        size: at.size,
        crc32c: at.crc,
      }),
    ]);
  }

  /** Raw bytes at the end of the file. */
  append(bytes: Uint8Array): number {
    const offset = this.size;
    this.chunks.push(bytes);
    this.size += bytes.length;
    return offset;
  }

  files(table?: TableBuilderOptions): Map<string, Uint8Array> {
    return rawBundle(this.entries, concatBytes(this.chunks), table);
  }
}

const node = (over: Partial<TrackableObject> = {}): TrackableObject => ({
  children: [],
  attributes: [],
  slotVariables: [],
  registeredSaver: null,
  hasCheckpointValues: null,
  ...over,
});

const variable = (key: string): SerializedTensor => ({
  name: 'VARIABLE_VALUE',
  fullName: '',
  checkpointKey: key,
  optionalRestore: false,
});

/** Adds the object graph to a data file as a scalar string. */
export function addGraph(data: DataFile, graph: ObjectGraph): void {
  data.add(OBJECT_GRAPH_PROTO_KEY, { dtype: 'string', shape: [], data: [encodeObjectGraph(graph)] });
}

/**
 * A chain root → c → c → … of `depth` nodes; the last holds a float32 scalar under `key`. With `valuesEvery`, every
 * so many nodes hold a value too (each its own key).
 */
export function deepChain(depth: number, valuesEvery = 0): Map<string, Uint8Array> {
  const data = new DataFile();
  const nodes: TrackableObject[] = [];
  for (let i = 0; i < depth; i++) {
    const last = i === depth - 1;
    const hasValue = last || (valuesEvery > 0 && i > 0 && i % valuesEvery === 0);
    const key = `deep/${i}/.ATTRIBUTES/VARIABLE_VALUE`;
    if (hasValue) data.add(key, { dtype: 'float32', shape: [], data: Float32Array.of(i) });
    nodes.push(
      node({ children: last ? [] : [{ nodeId: i + 1, localName: 'c' }], attributes: hasValue ? [variable(key)] : [] }),
    );
  }
  addGraph(data, { nodes });
  return data.files();
}

/** The root with `n` children, each a variable with its own key. */
export function wideNode(n: number): Map<string, Uint8Array> {
  const data = new DataFile();
  const nodes: TrackableObject[] = [
    node({ children: Array.from({ length: n }, (_, i) => ({ nodeId: i + 1, localName: `v${i}` })) }),
  ];
  for (let i = 0; i < n; i++) {
    const key = `v${i}/.ATTRIBUTES/VARIABLE_VALUE`;
    data.add(key, { dtype: 'float32', shape: [], data: Float32Array.of(i) });
    nodes.push(node({ attributes: [variable(key)] }));
  }
  addGraph(data, { nodes });
  return data.files();
}

/**
 * A root whose child `v` has `n` attributes named a0, a1, … whose keys are absent, and `keys` stored tensors whose
 * keys none of the attributes name exactly (so every attribute is looked up as a prefix).
 */
export function attributeFlood(n: number, keys = 0): Map<string, Uint8Array> {
  const data = new DataFile();
  for (let i = 0; i < keys; i++) data.add(`z${i}`, { dtype: 'float32', shape: [], data: Float32Array.of(i) });
  const attributes = Array.from({ length: n }, (_, i): SerializedTensor => ({
    name: `a${i}`,
    fullName: '',
    checkpointKey: `v/.ATTRIBUTES/a${i}`,
    optionalRestore: false,
  }));
  addGraph(data, { nodes: [node({ children: [{ nodeId: 1, localName: 'v' }] }), node({ attributes })] });
  return data.files();
}

/** A root with `n` attributes that all name the same absent prefix of every one of `keys` stored keys. */
export function prefixFlood(n: number, keys: number): Map<string, Uint8Array> {
  const data = new DataFile();
  for (let i = 0; i < keys; i++) data.add(`p/${i}`, { dtype: 'float32', shape: [], data: Float32Array.of(i) });
  const attributes = Array.from({ length: n }, (_, i): SerializedTensor => ({
    name: `a${i}`,
    fullName: '',
    checkpointKey: 'p',
    optionalRestore: false,
  }));
  addGraph(data, { nodes: [node({ attributes })] });
  return data.files();
}

/**
 * A partitioned float32 tensor `key` of `shape` stored as `slices` (each holding values start..start+n), with the
 * object graph making it the root's child `v`.
 */
export function slicedTensor(shape: number[], slices: Array<Array<[number, number]>>): Map<string, Uint8Array> {
  const data = new DataFile();
  const key = 'v/.ATTRIBUTES/VARIABLE_VALUE';
  const parts: TensorSlice[] = slices.map((s) => ({ extents: s.map(([start, length]) => ({ start, length })) }));
  const stored = new Map<string, RawEntry>();
  parts.forEach((slice, i) => {
    const sliceShape = slice.extents.map((e, d) => (e.length === -1 ? shape[d]! : e.length));
    const count = sliceShape.reduce((a, b) => a * b, 1);
    const { bytes, crc } = tensorBytes({
      dtype: 'float32',
      shape: sliceShape,
      data: Float32Array.from({ length: count }, (_, k) => 1000 * (i + 1) + k),
    });
    const offset = data.append(bytes);
    const k = encodeTensorNameSlice(key, slice);
    stored.set(k.join(','), [
      k,
      encodeEntryProto({ dtypeId: 1, shape: sliceShape, shardId: 0, offset, size: bytes.length, crc32c: maskCrc(crc) }),
    ]);
  });
  const full = tensorflow.BundleEntryProto.encode({
    dtype: 1,
    shape: { dim: shape.map((size) => ({ size: Long.fromNumber(size) })) },
    slices: parts.map((p) => ({
      extent: p.extents.map((e) =>
        e.length === -1 ? {} : { start: Long.fromNumber(e.start), length: Long.fromNumber(e.length) },
      ),
    })),
  }).finish();
  data.entries.push([utf8.encode(key), full], ...stored.values());
  addGraph(data, {
    nodes: [node({ children: [{ nodeId: 1, localName: 'v' }] }), node({ attributes: [variable(key)] })],
  });
  return data.files();
}

/**
 * A string tensor of `n` empty strings under `key` (by default the object-graph key, which must be a scalar),
 * encoded directly: n zero length bytes, the length crc, no payload.
 */
export function stringFlood(n: number, key = OBJECT_GRAPH_PROTO_KEY): Map<string, Uint8Array> {
  const data = new DataFile();
  const bytes = new Uint8Array(n + 4);
  // Each length is fed to the crc as 4 zero bytes.
  const zeros = new Uint8Array(1 << 16);
  let crc = 0;
  for (let left = 4 * n; left > 0; left -= zeros.length)
    crc = crc32c(zeros.subarray(0, Math.min(left, zeros.length)), crc);
  new DataView(bytes.buffer).setUint32(n, maskCrc(crc), true);
  const entryCrc = crc32c(bytes.subarray(n), crc);
  const offset = data.append(bytes);
  data.entry(key, 'string', [n], { offset, size: bytes.length, crc: maskCrc(entryCrc) });
  if (key !== OBJECT_GRAPH_PROTO_KEY) addGraph(data, { nodes: [node()] });
  return data.files();
}

/** `n` keys over one region of `bytes` bytes (float32 values). */
export function aliases(n: number, bytes: number): Map<string, Uint8Array> {
  const data = new DataFile();
  const at = data.add('alias/0', { dtype: 'float32', shape: [bytes / 4], data: new Float32Array(bytes / 4).fill(1.5) });
  for (let i = 1; i < n; i++) data.entry(`alias/${i}`, 'float32', [bytes / 4], at);
  addGraph(data, { nodes: [node()] });
  return data.files();
}

/** An index of `n` keys (one float32 scalar each, all one region), optionally Snappy-compressed, with a graph. */
export function manyKeys(n: number, snappy = false): Map<string, Uint8Array> {
  const data = new DataFile();
  const at = data.add('k/0000000', { dtype: 'float32', shape: [], data: Float32Array.of(0) });
  for (let i = 1; i < n; i++) data.entry(`k/${String(i).padStart(7, '0')}`, 'float32', [], at);
  addGraph(data, { nodes: [node()] });
  return data.files({ snappy: snappy ? compress : undefined });
}

/** The root with `n` variable children; every child shares one stored value. */
export function manyVariables(n: number): Map<string, Uint8Array> {
  const data = new DataFile();
  const at = data.add('v', { dtype: 'float32', shape: [], data: Float32Array.of(2.5) });
  const nodes: TrackableObject[] = [
    node({ children: Array.from({ length: n }, (_, i) => ({ nodeId: i + 1, localName: `v${i}` })) }),
  ];
  for (let i = 0; i < n; i++) {
    const key = `v${i}/.ATTRIBUTES/VARIABLE_VALUE`;
    data.entry(key, 'float32', [], at);
    nodes.push(node({ attributes: [variable(key)] }));
  }
  addGraph(data, { nodes });
  return data.files();
}

/** Keys holding control characters and invalid UTF-8, each a distinct float32 scalar. */
export function nastyKeys(keys: Array<string | Uint8Array>): Map<string, Uint8Array> {
  const data = new DataFile();
  keys.forEach((k, i) => data.add(k, { dtype: 'float32', shape: [], data: Float32Array.of(i) }));
  const attributes = keys
    .filter((k): k is string => typeof k === 'string')
    .map((k, i): SerializedTensor => ({
      name: `a${i}\u001b[31m`,
      fullName: '',
      checkpointKey: k,
      optionalRestore: false,
    }));
  addGraph(data, {
    nodes: [node({ children: [{ nodeId: 1, localName: 'x\u001b[2J\nforged line' }] }), node({ attributes })],
  });
  return data.files();
}
