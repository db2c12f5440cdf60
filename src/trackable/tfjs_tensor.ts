import type * as tfc from '@tensorflow/tfjs-core';

import type { TensorValue } from '../bundle';
import { toTfjsValues } from './tfjs_conversion';
import { tfjsCore } from './tfjs_module';

/**
 * A tfjs tensor holding a checkpoint value, converted by the documented policy (see toTfjsValues): float64,
 * float16 and bfloat16 become float32; small integer types become int32; int64/uint32/uint64 become int32 when
 * every value fits and fail otherwise. The caller owns (and disposes) the tensor.
 */
export function toTfjsTensor(value: TensorValue, key?: string): tfc.Tensor {
  const v = toTfjsValues(value, key);
  switch (v.dtype) {
    case 'complex64': {
      const n = v.values.length / 2;
      const real = new Float32Array(n);
      const imag = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        real[i] = v.values[2 * i]!;
        imag[i] = v.values[2 * i + 1]!;
      }
      const tf = tfjsCore();
      return tf.tidy(() => tf.complex(tf.tensor(real, v.shape), tf.tensor(imag, v.shape)));
    }
    case 'string':
      return tfjsCore().tensor(v.values, v.shape, 'string');
    default:
      return tfjsCore().tensor(v.values, v.shape, v.dtype);
  }
}
