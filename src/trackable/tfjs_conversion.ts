/**
 * The policy for turning checkpoint values into values tfjs can hold (tfjs has only float32, int32, bool,
 * complex64 and string):
 *  - float64, float16, bfloat16 → float32 (float16/bfloat16 exactly; float64 rounded to nearest);
 *  - int8, int16, uint8, uint16, qint8/16/32, quint8/16 → int32 (exactly);
 *  - int64, uint32, uint64 → int32 only when every value fits, else an UnsupportedError naming the key;
 *  - complex128 → complex64 (rounded); bool, float32, int32, complex64, string unchanged (float32/int32 without copy).
 */
import { at } from '../checked';
import { UnsupportedError } from '../errors';
import { halfToFloat, type TensorValue } from '../bundle';

/** The dtypes a tfjs tensor can have. */
export type TfjsDType = 'float32' | 'int32' | 'bool' | 'complex64' | 'string';

/** A checkpoint value converted for tfjs: its tfjs dtype, shape and values in the typed array tfjs takes for it. */
export type TfjsValues =
  | { dtype: 'float32'; shape: number[]; values: Float32Array }
  | { dtype: 'int32'; shape: number[]; values: Int32Array }
  | { dtype: 'bool'; shape: number[]; values: Uint8Array }
  /** Interleaved (real, imaginary) pairs. */
  | { dtype: 'complex64'; shape: number[]; values: Float32Array }
  | { dtype: 'string'; shape: number[]; values: Uint8Array[] };

/** Which tfjs dtype a checkpoint dtype becomes. */
export function tfjsDTypeOf(dtype: TensorValue['dtype']): TfjsDType {
  switch (dtype) {
    case 'float32':
    case 'float64':
    case 'float16':
    case 'bfloat16':
      return 'float32';
    case 'bool':
      return 'bool';
    case 'complex64':
    case 'complex128':
      return 'complex64';
    case 'string':
      return 'string';
    default:
      return 'int32';
  }
}

function bfloat16ToFloat32(bits: Uint16Array): Float32Array {
  // bfloat16 bits are a float32's upper half: widen the bits, then read their buffer as float32.
  return new Float32Array(Uint32Array.from(bits, (b) => b << 16).buffer);
}

function toInt32Checked(data: ArrayLike<number | bigint>, dtype: string, key: string): Int32Array {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = at(data, i, `${key} values`);
    const n = typeof v === 'bigint' ? (v >= -2147483648n && v <= 2147483647n ? Number(v) : NaN) : v;
    if (!(n >= -2147483648 && n <= 2147483647)) {
      throw new UnsupportedError(
        `${key}: ${dtype} value ${String(v)} at index ${i} does not fit tfjs int32 (tfjs has no ${dtype} type)`,
        { key },
      );
    }
    out[i] = n;
  }
  return out;
}

/** Converts a checkpoint value for tfjs following the policy above; `key` names the tensor in errors. */
export function toTfjsValues(value: TensorValue, key = '(tensor)'): TfjsValues {
  const shape = value.shape;
  switch (value.dtype) {
    case 'float32':
      return { dtype: 'float32', shape, values: value.data };
    case 'float64':
      return { dtype: 'float32', shape, values: Float32Array.from(value.data) };
    case 'float16': {
      return { dtype: 'float32', shape, values: Float32Array.from(value.data, halfToFloat) };
    }
    case 'bfloat16':
      return { dtype: 'float32', shape, values: bfloat16ToFloat32(value.data) };
    case 'int32':
    case 'qint32':
      return { dtype: 'int32', shape, values: value.data };
    case 'int8':
    case 'int16':
    case 'uint8':
    case 'uint16':
    case 'qint8':
    case 'quint8':
    case 'qint16':
    case 'quint16':
      return { dtype: 'int32', shape, values: Int32Array.from(value.data) };
    case 'int64':
    case 'uint32':
    case 'uint64':
      return { dtype: 'int32', shape, values: toInt32Checked(value.data, value.dtype, key) };
    case 'bool':
      return { dtype: 'bool', shape, values: value.data };
    case 'complex64':
      return { dtype: 'complex64', shape, values: value.data };
    case 'complex128':
      return { dtype: 'complex64', shape, values: Float32Array.from(value.data) };
    case 'string':
      return { dtype: 'string', shape, values: value.data };
  }
}
