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
      // TensorFlow stores complex64 as interleaved real and imaginary parts.
      v.values.forEach((x, i) => {
        if (i % 2 === 0) real[i / 2] = x;
        else imag[(i - 1) / 2] = x;
      });
      const tf = tfjsCore();
      return tf.tidy(() => tf.complex(tf.tensor(real, v.shape), tf.tensor(imag, v.shape)));
    }
    case 'string':
      return tfjsCore().tensor(v.values, v.shape, 'string');
    default:
      return tfjsCore().tensor(v.values, v.shape, v.dtype);
  }
}
