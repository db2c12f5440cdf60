/**
 * Keras's Normalization preprocessing layer: `(x - mean) / max(sqrt(variance), 1e-7)`, or with `invert`
 * `mean + x * max(sqrt(variance), 1e-7)` (keras.layers.Normalization; 1e-7 is keras.backend.epsilon()).
 * `axis` names the kept axes (per-feature statistics); the others are reduced. The statistics are either given in
 * the config (`mean`, `variance`: a scalar, or values aligned right-to-left with the kept axes) or held as the
 * non-trainable weights `mean`, `variance` and `count` that an adapted Keras layer saves.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';

import { at, present } from '../../checked';
import { InvalidArgumentError } from '../../errors';
import { firstInput } from './inputs';

/** keras.backend.epsilon() */
const KERAS_EPSILON = 1e-7;

type Statistic = number | Statistic[];

export interface NormalizationArgs extends LayerArgs {
  /** The kept axis or axes; null keeps none (one scalar mean and variance). Default -1. */
  axis?: number | number[] | null;
  mean?: Statistic | null;
  variance?: Statistic | null;
  invert?: boolean;
}

function shapeOf(v: Statistic): number[] {
  if (!Array.isArray(v)) return [];
  const [first] = v;
  return [v.length, ...(first === undefined ? [] : shapeOf(first))];
}

export class Normalization extends tfl.layers.Layer {
  static className = 'Normalization';
  readonly axis: number[];
  readonly inputMean: Statistic | null;
  readonly inputVariance: Statistic | null;
  readonly invert: boolean;
  mean: tfl.LayerVariable | null = null;
  variance: tfl.LayerVariable | null = null;
  count: tfl.LayerVariable | null = null;
  /** The config's mean and variance, when given: both or neither. */
  private readonly given: [Statistic, Statistic] | null;
  /** Where the statistics broadcast against the input: kept axes keep their size, the others are 1. */
  private broadcastShape: number[] | null = null;

  constructor(args: NormalizationArgs = {}) {
    super({ ...args });
    this.supportsMasking = true;
    const axis = args.axis === undefined ? -1 : args.axis;
    this.axis = axis === null ? [] : Array.isArray(axis) ? [...axis] : [axis];
    this.inputMean = args.mean ?? null;
    this.inputVariance = args.variance ?? null;
    this.invert = args.invert ?? false;
    const [mean, variance] = [this.inputMean, this.inputVariance];
    if ((mean === null) !== (variance === null)) {
      throw new InvalidArgumentError('Normalization: give both `mean` and `variance`, or neither');
    }
    this.given = mean !== null && variance !== null ? [mean, variance] : null;
    if (mean !== null && variance !== null) {
      const [ms, vs] = [shapeOf(mean), shapeOf(variance)];
      if (ms.join() !== vs.join())
        throw new InvalidArgumentError(
          `Normalization: mean shape [${ms.join()}] differs from variance shape [${vs.join()}]`,
        );
      if (ms.length > this.axis.length)
        throw new InvalidArgumentError(
          `Normalization: mean has rank ${ms.length}, more than the ${this.axis.length} kept axes`,
        );
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>;
    const ndim = shape.length;
    if (this.axis.some((a) => a < -ndim || a >= ndim)) {
      throw new InvalidArgumentError(
        `Normalization: axis [${this.axis.join()}] is out of range for inputs of rank ${ndim}`,
      );
    }
    const keep = [...new Set(this.axis.map((a) => (a < 0 ? a + ndim : a)))].sort((p, q) => p - q);
    const kept = keep.map((d) => {
      const size = shape[d];
      if (size === null || size === undefined)
        throw new InvalidArgumentError(`Normalization: the kept axis ${d} has an unknown size`);
      return size;
    });
    this.broadcastShape = shape.map((_, i) => {
      const k = keep.indexOf(i);
      return k < 0 ? 1 : at(kept, k, 'kept axis sizes');
    });
    if (this.given === null) {
      this.mean = this.addWeight('mean', kept, 'float32', tfl.initializers.zeros(), undefined, false);
      this.variance = this.addWeight('variance', kept, 'float32', tfl.initializers.ones(), undefined, false);
      // Keras keeps it for older saved models; int64 there, int32 here (tfjs has no int64).
      this.count = this.addWeight('count', [], 'int32', tfl.initializers.zeros(), undefined, false);
    } else {
      // Checked here so a misfit config fails when the model is built, not on the first call.
      this.givenStatistics().forEach((t) => t.dispose());
    }
    this.built = true;
  }

  /** Config statistics as tensors of the broadcast shape: a scalar, or aligned right-to-left with the kept axes. */
  private givenStatistics(): [tfc.Tensor, tfc.Tensor] {
    const target = present(this.broadcastShape, 'Normalization broadcast shape (build() sets it)');
    const [givenMean, givenVariance] = present(this.given, 'Normalization statistics from the config');
    return tfc.tidy(() => {
      const expand = (v: Statistic): tfc.Tensor => {
        const t = tfc.tensor(v, undefined, 'float32');
        if (t.rank === 0) return tfc.broadcastTo(t, target);
        const ndim = target.length;
        const keptAxes = this.axis.map((a) => (a < 0 ? a + ndim : a)).sort((p, q) => p - q);
        const expanded = new Array<number>(ndim).fill(1);
        for (let i = 1; i <= t.rank; i++)
          expanded[at(keptAxes, keptAxes.length - i, 'kept axes')] = at(t.shape, t.rank - i, 'statistic shape');
        try {
          return tfc.broadcastTo(tfc.reshape(t, expanded), target);
        } catch (err) {
          throw new InvalidArgumentError(
            `Normalization: statistics of shape [${t.shape.join()}] do not fit inputs kept as [${target.join()}]`,
            { cause: err },
          );
        }
      };
      return [expand(givenMean), expand(givenVariance)];
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[], _kwargs: Kwargs): tfc.Tensor {
    return tfc.tidy(() => {
      const x = firstInput(inputs, 'Normalization');
      const broadcast = (v: tfl.LayerVariable): tfc.Tensor =>
        tfc.reshape(v.read(), present(this.broadcastShape, 'Normalization broadcast shape (build() sets it)'));
      const [mean, variance] =
        this.mean !== null && this.variance !== null
          ? [broadcast(this.mean), broadcast(this.variance)]
          : this.givenStatistics();
      const scale = tfc.maximum(tfc.sqrt(variance), KERAS_EPSILON);
      return this.invert ? tfc.add(mean, tfc.mul(x, scale)) : tfc.div(tfc.sub(x, mean), scale);
    });
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      axis: this.axis,
      invert: this.invert,
      mean: this.inputMean,
      variance: this.inputVariance,
    };
  }
}
