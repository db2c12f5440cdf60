import type * as tfc from '@tensorflow/tfjs-core';

import { InvalidArgumentError } from '../../errors';

/** The tensor a single-input layer works on: tfjs passes it alone or as the first of a list. */
export function firstInput(inputs: tfc.Tensor | tfc.Tensor[], layer: string): tfc.Tensor {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (x === undefined) throw new InvalidArgumentError(`${layer} was called with no inputs`);
  return x;
}
