/**
 * TensorFlow's element types: ids as stored in BundleEntryProto, the names numpy and `tf.DType.name` use, the
 * `DT_*` names `inspect_checkpoint` prints, and how this package holds their values losslessly.
 */

/** Values of each readable dtype, row-major, exactly as stored (no conversion). */
export interface TensorDataByDType {
  float32: Float32Array;
  float64: Float64Array;
  /** Raw IEEE half bits. */
  float16: Uint16Array;
  /** Raw bfloat16 bits (the upper half of a float32). */
  bfloat16: Uint16Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  /** 0 or 1 per element. */
  bool: Uint8Array;
  /** Interleaved (real, imaginary) pairs. */
  complex64: Float32Array;
  /** Interleaved (real, imaginary) pairs. */
  complex128: Float64Array;
  /** Raw bytes of each element (TF strings are byte strings, not necessarily UTF-8). */
  string: Uint8Array[];
  qint8: Int8Array;
  quint8: Uint8Array;
  qint16: Int16Array;
  quint16: Uint16Array;
  qint32: Int32Array;
}

/** A dtype whose values this package can read. */
export type ReadableDType = keyof TensorDataByDType;

/** Dtypes a checkpoint may list but whose values are not read (variant, resource, float8, int4, …). */
export type OpaqueDType =
  | 'resource'
  | 'variant'
  | 'float8_e5m2'
  | 'float8_e4m3fn'
  | 'float8_e4m3fnuz'
  | 'float8_e4m3b11fnuz'
  | 'float8_e5m2fnuz'
  | 'int4'
  | 'uint4'
  | 'int2'
  | 'uint2';

/** Any dtype name; an id TensorFlow does not define shows as `unknown_<id>`. */
export type DTypeName = ReadableDType | OpaqueDType | `unknown_${number}`;

/** A tensor read from a checkpoint: dtype, shape and row-major values, typed by dtype. */
export type TensorValue = {
  [D in ReadableDType]: { dtype: D; shape: number[]; data: TensorDataByDType[D] };
}[ReadableDType];

type NumericArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** What the package knows of one TensorFlow dtype: its enum id, names, element size and typed array. */
export interface DTypeInfo {
  id: number;
  name: DTypeName;
  /** The enum name TensorFlow prints (`DT_FLOAT`). */
  tfName: string;
  /** Bytes per element for fixed-size types; 0 for string/variant/resource and sub-byte types. */
  itemSize: number;
  /** Typed array holding the values (complex types hold two per element); null for non-POD dtypes. */
  array: NumericArrayCtor | null;
  /** Bytes per scalar to byte-swap for big-endian bundles (complex swaps each half). */
  swapSize: number;
  readable: boolean;
}

const TABLE: ReadonlyArray<[number, DTypeName, string, number, NumericArrayCtor | null, number]> = [
  [1, 'float32', 'DT_FLOAT', 4, Float32Array, 4],
  [2, 'float64', 'DT_DOUBLE', 8, Float64Array, 8],
  [3, 'int32', 'DT_INT32', 4, Int32Array, 4],
  [4, 'uint8', 'DT_UINT8', 1, Uint8Array, 1],
  [5, 'int16', 'DT_INT16', 2, Int16Array, 2],
  [6, 'int8', 'DT_INT8', 1, Int8Array, 1],
  [7, 'string', 'DT_STRING', 0, null, 0],
  [8, 'complex64', 'DT_COMPLEX64', 8, Float32Array, 4],
  [9, 'int64', 'DT_INT64', 8, BigInt64Array, 8],
  [10, 'bool', 'DT_BOOL', 1, Uint8Array, 1],
  [11, 'qint8', 'DT_QINT8', 1, Int8Array, 1],
  [12, 'quint8', 'DT_QUINT8', 1, Uint8Array, 1],
  [13, 'qint32', 'DT_QINT32', 4, Int32Array, 4],
  [14, 'bfloat16', 'DT_BFLOAT16', 2, Uint16Array, 2],
  [15, 'qint16', 'DT_QINT16', 2, Int16Array, 2],
  [16, 'quint16', 'DT_QUINT16', 2, Uint16Array, 2],
  [17, 'uint16', 'DT_UINT16', 2, Uint16Array, 2],
  [18, 'complex128', 'DT_COMPLEX128', 16, Float64Array, 8],
  [19, 'float16', 'DT_HALF', 2, Uint16Array, 2],
  [20, 'resource', 'DT_RESOURCE', 0, null, 0],
  [21, 'variant', 'DT_VARIANT', 0, null, 0],
  [22, 'uint32', 'DT_UINT32', 4, Uint32Array, 4],
  [23, 'uint64', 'DT_UINT64', 8, BigUint64Array, 8],
  [24, 'float8_e5m2', 'DT_FLOAT8_E5M2', 1, null, 1],
  [25, 'float8_e4m3fn', 'DT_FLOAT8_E4M3FN', 1, null, 1],
  [26, 'float8_e4m3fnuz', 'DT_FLOAT8_E4M3FNUZ', 1, null, 1],
  [27, 'float8_e4m3b11fnuz', 'DT_FLOAT8_E4M3B11FNUZ', 1, null, 1],
  [28, 'float8_e5m2fnuz', 'DT_FLOAT8_E5M2FNUZ', 1, null, 1],
  [29, 'int4', 'DT_INT4', 0, null, 0],
  [30, 'uint4', 'DT_UINT4', 0, null, 0],
  [31, 'int2', 'DT_INT2', 0, null, 0],
  [32, 'uint2', 'DT_UINT2', 0, null, 0],
];

const BY_ID = new Map<number, DTypeInfo>();
const BY_NAME = new Map<string, DTypeInfo>();
for (const [id, name, tfName, itemSize, array, swapSize] of TABLE) {
  const info: DTypeInfo = { id, name, tfName, itemSize, array, swapSize, readable: array !== null || id === 7 };
  BY_ID.set(id, info);
  BY_NAME.set(name, info);
}

/** Information on a dtype id; ids TensorFlow does not define get an unreadable `unknown_<id>` entry. */
export function dtypeInfo(id: number): DTypeInfo {
  return (
    BY_ID.get(id) ?? {
      id,
      name: `unknown_${id}`,
      tfName: `DT_INVALID(${id})`,
      itemSize: 0,
      array: null,
      swapSize: 0,
      readable: false,
    }
  );
}

export function dtypeByName(name: string): DTypeInfo | undefined {
  return BY_NAME.get(name);
}

export function isReadableDType(name: DTypeName): name is ReadableDType {
  return BY_NAME.get(name)?.readable === true;
}
