/**
 * An HDF5 file as the Keras readers need it: a tree of groups with attributes and datasets with dtype, shape and
 * values. jsfive (pure JavaScript, read-only) parses the HDF5 structures; this module walks them once with limits,
 * turns every parse failure into a typed error naming the file and the object, and reads the values of contiguous
 * datasets (all Keras writes) as typed arrays over the file's bytes after checking they lie inside it — jsfive
 * itself would build a JavaScript array element by element and trust the claimed shape.
 */
import * as jsfive from 'jsfive';

import type { DTypeName, TensorValue } from '../../bundle';
import { CorruptCheckpointError, UnsupportedError } from '../../errors';

export interface H5Dataset {
  /** Full path inside the file, without a leading slash (`layers/dense/vars/0`). */
  readonly path: string;
  readonly dtype: DTypeName;
  readonly shape: readonly number[];
  /** Bytes of the values (elements × item size). */
  readonly byteSize: number;
  /** The values; checked against the file's bytes before anything is allocated. */
  read(): TensorValue;
}

export interface H5Group {
  /** Full path inside the file, '' for the root group. */
  readonly path: string;
  /** Child groups and datasets in the file's (name-sorted) order. */
  readonly groups: ReadonlyMap<string, H5Group>;
  readonly datasets: ReadonlyMap<string, H5Dataset>;
  /** The group's attributes (strings, numbers, arrays of them), parsed on first use. */
  attrs(): Record<string, unknown>;
}

/** Bounds that keep a hostile file from making the walk unbounded. */
const MAX_OBJECTS = 1_000_000;
const MAX_DEPTH = 256;
/** Compressed (chunked) datasets may expand; beyond this ratio to the file size the claim is not believed. */
const MAX_EXPANSION = 1024;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const DATA_LAYOUT_MESSAGE = 8;
const CONTIGUOUS = 1;

/** Whether `bytes` start like an HDF5 file (signature at offset 0; user blocks are not used by Keras). */
export function isHdf5(bytes: Uint8Array): boolean {
  return HDF5_SIGNATURE.every((b, i) => bytes[i] === b);
}

function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

class Hdf5Context {
  objects = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {}

  /** Runs a jsfive step, turning whatever it throws (often a bare string) into a typed error. */
  guard<T>(what: string, path: string, step: () => T): T {
    try {
      return step();
    } catch (err) {
      if (err instanceof CorruptCheckpointError || err instanceof UnsupportedError) throw err;
      throw new CorruptCheckpointError(`${this.file}: cannot read ${what} ${path || '/'}: ${reasonOf(err)}`, {
        file: this.file,
        key: path || '/',
        cause: err,
      });
    }
  }

  corrupt(path: string, message: string): CorruptCheckpointError {
    return new CorruptCheckpointError(`${this.file}: ${path || '/'}: ${message}`, {
      file: this.file,
      key: path || '/',
    });
  }
}

/** jsfive dtype string → the package's dtype name and item size. */
function dtypeOf(
  ctx: Hdf5Context,
  path: string,
  dtype: unknown,
): { name: DTypeName; itemSize: number; bigEndian: boolean } {
  const m = typeof dtype === 'string' ? /^([<>|=]?)([fiub])(\d+)$/.exec(dtype) : null;
  const table: Record<string, DTypeName> = {
    f2: 'float16',
    f4: 'float32',
    f8: 'float64',
    i1: 'int8',
    i2: 'int16',
    i4: 'int32',
    i8: 'int64',
    u1: 'uint8',
    u2: 'uint16',
    u4: 'uint32',
    u8: 'uint64',
    b1: 'bool',
  };
  const name = m ? table[`${m[2]}${m[3]}`] : undefined;
  if (!m || name === undefined) {
    throw new UnsupportedError(
      `${ctx.file}: dataset ${path} has HDF5 type ${JSON.stringify(dtype)}, which holds no numeric tensor`,
      {
        file: ctx.file,
        key: path,
      },
    );
  }
  return { name, itemSize: Number(m[3]), bigEndian: m[1] === '>' };
}

/** A typed array of `dtype` over `length` elements of `buffer` from byte `offset` (all of it by default). */
function typedArrayFor(dtype: DTypeName, buffer: ArrayBuffer, offset = 0, length?: number): TensorValue['data'] {
  switch (dtype) {
    case 'float16':
      return new Uint16Array(buffer, offset, length);
    case 'float32':
      return new Float32Array(buffer, offset, length);
    case 'float64':
      return new Float64Array(buffer, offset, length);
    case 'int8':
      return new Int8Array(buffer, offset, length);
    case 'int16':
      return new Int16Array(buffer, offset, length);
    case 'int32':
      return new Int32Array(buffer, offset, length);
    case 'int64':
      return new BigInt64Array(buffer, offset, length);
    case 'uint16':
      return new Uint16Array(buffer, offset, length);
    case 'uint32':
      return new Uint32Array(buffer, offset, length);
    case 'uint64':
      return new BigUint64Array(buffer, offset, length);
    default:
      return new Uint8Array(buffer, offset, length);
  }
}

/** Element count of a claimed shape, refusing shapes whose bytes could not exist. */
function elementCount(
  ctx: Hdf5Context,
  path: string,
  shape: readonly number[],
  itemSize: number,
  limit: number,
): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw ctx.corrupt(path, `impossible dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
    if (n * itemSize > limit) {
      throw ctx.corrupt(
        path,
        `shape [${shape.join(', ')}] claims more than ${limit} bytes, more than the file can hold`,
      );
    }
  }
  return n;
}

function makeDataset(ctx: Hdf5Context, path: string, ds: jsfive.Dataset): H5Dataset {
  const { shape, dtypeInfo } = ctx.guard('dataset', path, () => ({
    shape: [...(ds.shape ?? [])],
    dtypeInfo: ds.dtype,
  }));
  const { name: dtype, itemSize, bigEndian } = dtypeOf(ctx, path, dtypeInfo);
  const fileSize = ctx.bytes.length;
  const count = elementCount(ctx, path, shape, itemSize, fileSize * MAX_EXPANSION);
  const byteSize = count * itemSize;
  const read = (): TensorValue => {
    const layout = ctx.guard('the data layout of dataset', path, () => {
      const dobj = ds._dataobjects;
      const msg = dobj.find_msg_type(DATA_LAYOUT_MESSAGE)[0];
      if (msg === undefined) throw new Error('no data layout message');
      const offset = msg.get('offset_to_message');
      if (offset === undefined) throw new Error('a data layout message without an offset');
      const [version, , layoutClass, propertyOffset] = dobj._get_data_message_properties(offset);
      return { version, layoutClass, propertyOffset };
    });
    if (bigEndian && itemSize > 1) {
      throw new UnsupportedError(`${ctx.file}: dataset ${path} is big-endian; only little-endian values are read`, {
        file: ctx.file,
        key: path,
      });
    }
    let bytes: Uint8Array;
    if (layout.layoutClass === CONTIGUOUS && layout.version >= 3) {
      // Layout message v3/v4, contiguous: the data address (8 bytes) follows the two header bytes.
      if (byteSize > fileSize)
        throw ctx.corrupt(path, `shape [${shape.join(', ')}] needs ${byteSize} bytes, the file has ${fileSize}`);
      const at = layout.propertyOffset;
      if (at + 8 > fileSize) throw ctx.corrupt(path, 'data layout message lies past the end of the file');
      const address = new DataView(ctx.bytes.buffer, ctx.bytes.byteOffset + at, 8).getBigUint64(0, true);
      if (address === 0xffffffffffffffffn) {
        // Never written: HDF5 reads such a dataset as its fill value, zero unless set (Keras never leaves one).
        bytes = new Uint8Array(byteSize);
      } else {
        if (address + BigInt(byteSize) > BigInt(fileSize)) {
          throw ctx.corrupt(
            path,
            `values at offset ${address} (${byteSize} bytes) lie past the end of the file (${fileSize} bytes)`,
          );
        }
        const start = Number(address);
        const at = ctx.bytes.byteOffset + start;
        if (at % itemSize === 0) {
          // A view of the file's bytes (HDF5 writers align raw data): no copy, and the tensor tfjs makes from it
          // keeps using it. The file's buffer then lives as long as the values read from it.
          return {
            dtype,
            shape: [...shape],
            data: typedArrayFor(dtype, ctx.bytes.buffer as ArrayBuffer, at, count),
          } as TensorValue;
        }
        bytes = ctx.bytes.slice(start, start + byteSize);
      }
    } else {
      // Chunked or compact storage (other HDF5 writers; Keras writes contiguous datasets): jsfive decodes it.
      // jsfive gives null or undefined for storage it cannot decode.
      const values = ctx.guard('the values of dataset', path, () => ds.value) as
        ArrayLike<number | bigint> | null | undefined;
      if (values?.length !== count)
        throw ctx.corrupt(path, `holds ${values?.length ?? 0} values, its shape says ${count}`);
      const out = typedArrayFor(dtype, new ArrayBuffer(byteSize)) as unknown as { [i: number]: number | bigint };
      const big = dtype === 'int64' || dtype === 'uint64';
      for (let i = 0; i < count; i++) {
        const v = values[i];
        if (v === undefined) throw ctx.corrupt(path, `has no value ${i} of ${count}`);
        out[i] = big ? BigInt(v) : Number(v);
      }
      return { dtype, shape: [...shape], data: out } as unknown as TensorValue;
    }
    return { dtype, shape: [...shape], data: typedArrayFor(dtype, bytes.buffer as ArrayBuffer) } as TensorValue;
  };
  return { path, dtype, shape, byteSize, read };
}

function makeGroup(ctx: Hdf5Context, path: string, group: jsfive.Group, depth: number, onPath: Set<number>): H5Group {
  if (depth > MAX_DEPTH) throw ctx.corrupt(path, `groups nest deeper than ${MAX_DEPTH} levels`);
  const groups = new Map<string, H5Group>();
  const datasets = new Map<string, H5Dataset>();
  const names = ctx.guard('group', path, () => [...group.keys]);
  for (const name of names) {
    if (++ctx.objects > MAX_OBJECTS) throw ctx.corrupt(path, `more than ${MAX_OBJECTS} objects`);
    const childPath = path === '' ? name : `${path}/${name}`;
    const child = ctx.guard('object', childPath, () => group.get(name));
    if (child instanceof jsfive.Dataset) {
      datasets.set(name, makeDataset(ctx, childPath, child));
    } else {
      const address = ctx.guard('group', childPath, () => child._dataobjects.offset);
      // Hard links may make a group its own descendant: such a tree has no end.
      if (onPath.has(address)) throw ctx.corrupt(childPath, 'group contains itself (a link cycle)');
      onPath.add(address);
      groups.set(name, makeGroup(ctx, childPath, child, depth + 1, onPath));
      onPath.delete(address);
    }
  }
  let attrs: Record<string, unknown> | null = null;
  return {
    path,
    groups,
    datasets,
    attrs: () => (attrs ??= ctx.guard('the attributes of group', path, () => ({ ...group.attrs }))),
  };
}

/**
 * The end-of-file address the superblock records (HDF5 writers keep it current; the HDF5 library refuses files
 * shorter than it), or null when the superblock is too short or uses offsets other than 8 bytes (jsfive's only
 * size, which it then reports itself). The field's position depends on the superblock version.
 */
function endOfFileAddress(bytes: Uint8Array): bigint | null {
  const version = bytes[8];
  const at = version === 0 ? 40 : version === 1 ? 44 : version === 2 || version === 3 ? 28 : null;
  const offsetSize = version === 0 || version === 1 ? bytes[13] : bytes[9];
  if (at === null || offsetSize !== 8 || bytes.length < at + 8) return null;
  return new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigUint64(0, true);
}

/** Parses the HDF5 file in `bytes` and walks its whole tree (values are read on demand). */
export function openHdf5(bytes: Uint8Array, file: string): H5Group {
  if (!isHdf5(bytes)) {
    throw new CorruptCheckpointError(`${file}: not an HDF5 file (no HDF5 signature at its start)`, { file });
  }
  const ctx = new Hdf5Context(bytes, file);
  const end = endOfFileAddress(bytes);
  if (end !== null && end > BigInt(bytes.length)) {
    throw new CorruptCheckpointError(
      `${file}: truncated HDF5 file: it has ${bytes.length} bytes, its superblock says ${end}`,
      { file },
    );
  }
  const buffer =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  const root = ctx.guard('the superblock of', '', () => new jsfive.File(buffer as ArrayBuffer, file));
  return makeGroup(ctx, '', root, 0, new Set([ctx.guard('group', '', () => root._dataobjects.offset)]));
}

/** The group at `path` (slash-separated) under `root`, or undefined. */
export function groupAt(root: H5Group, path: string): H5Group | undefined {
  let g: H5Group | undefined = root;
  for (const part of path.split('/').filter((p) => p !== '')) g = g?.groups.get(part);
  return g;
}

/** The dataset at `path` under `root`, or undefined. */
export function datasetAt(root: H5Group, path: string): H5Dataset | undefined {
  const i = path.lastIndexOf('/');
  return (i < 0 ? root : groupAt(root, path.slice(0, i)))?.datasets.get(path.slice(i + 1));
}
