/** keras.applications.convnext's LayerScale: `x * gamma`, one learned scale per channel (weight `gamma`). */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';

import { present } from '../../checked';
import { InvalidArgumentError } from '../../errors';
import { firstInput } from './inputs';

export interface LayerScaleArgs extends LayerArgs {
  /** Keras's `init_values`: the initial value of every scale. `initValue` is accepted too. */
  initValues?: number;
  initValue?: number;
  projectionDim: number;
}

export class LayerScale extends tfl.layers.Layer {
  static className = 'LayerScale';
  readonly initValues: number;
  readonly projectionDim: number;
  gamma: tfl.LayerVariable | null = null;

  constructor(args: LayerScaleArgs) {
    super(args);
    const init = args.initValues ?? args.initValue;
    if (typeof init !== 'number') throw new InvalidArgumentError('LayerScale needs `initValues` (a number)');
    if (!Number.isInteger(args.projectionDim) || args.projectionDim <= 0)
      throw new InvalidArgumentError('LayerScale needs a positive integer `projectionDim`');
    this.initValues = init;
    this.projectionDim = args.projectionDim;
  }

  override build(_inputShape: tfl.Shape | tfl.Shape[]): void {
    this.gamma = this.addWeight(
      'gamma',
      [this.projectionDim],
      'float32',
      tfl.initializers.constant({ value: this.initValues }),
      undefined,
      true,
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[], _kwargs: Kwargs): tfc.Tensor {
    const gamma = present(this.gamma, 'LayerScale gamma (build() makes it)');
    return tfc.tidy(() => tfc.mul(firstInput(inputs, 'LayerScale'), gamma.read()));
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return { ...super.getConfig(), initValues: this.initValues, projectionDim: this.projectionDim };
  }
}
