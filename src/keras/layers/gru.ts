/**
 * Keras's GRU, including `reset_after=True` (Keras's default), which tfjs's GRU rejects. With reset_after the
 * reset gate multiplies the recurrent projection after the matrix product, and the bias is [2, 3·units]: row 0
 * for the input projection, row 1 for the recurrent one. Gates are ordered z, r, h in every weight, as in Keras;
 * weights are `kernel` [input, 3·units], `recurrent_kernel` [units, 3·units] and `bias`.
 * With `resetAfter: false` the cell computes what tfjs's GRU does. Defaults are Keras's (sigmoid recurrent
 * activation, glorotUniform kernel), not tfjs's.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { GRUCell } from '@tensorflow/tfjs-layers/dist/layers/recurrent';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';

import { InvalidArgumentError } from '../../errors';

export interface KerasGRUCellArgs extends tfl.GRUCellLayerArgs {
  /** Keras's `reset_after`; default true. */
  resetAfter?: boolean;
}

export type KerasGRUArgs = KerasGRUCellArgs & Omit<tfl.GRULayerArgs, keyof tfl.GRUCellLayerArgs>;

/**
 * tfjs's GRUCell, found through the serialization registry because tfjs-layers exports no class for it: the cell
 * reuses its argument handling (activations, initializers, regularizers, constraints, dropout) and config.
 */
function tfjsGRUCell(): new (args: tfl.GRUCellLayerArgs) => GRUCell {
  const entry = tfc.serialization.SerializationMap.getMap().classNameMap['GRUCell'];
  if (entry === undefined) throw new InvalidArgumentError('tfjs-layers did not register GRUCell');
  return entry[0] as unknown as new (args: tfl.GRUCellLayerArgs) => GRUCell;
}

function withKerasDefaults(args: KerasGRUCellArgs): tfl.GRUCellLayerArgs {
  const out: tfl.GRUCellLayerArgs & { resetAfter?: boolean } = {
    ...args,
    recurrentActivation: args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation,
    kernelInitializer: args.kernelInitializer ?? 'glorotUniform',
  };
  // tfjs's cell throws on resetAfter; this class implements both modes.
  delete out.resetAfter;
  return out;
}

export class KerasGRUCell extends tfjsGRUCell() {
  static className = 'KerasGRUCell';
  readonly resetAfter: boolean;

  constructor(args: KerasGRUCellArgs) {
    super(withKerasDefaults(args));
    this.resetAfter = args.resetAfter ?? true;
  }

  /** The dropout masks, which tfjs's types declare always set; they are null until a training call makes them. */
  private get masks(): { dropoutMask?: tfc.Tensor | null; recurrentDropoutMask?: tfc.Tensor | null } {
    return this as unknown as { dropoutMask?: tfc.Tensor | null; recurrentDropoutMask?: tfc.Tensor | null };
  }

  /** Drops the masks of the last sequence (Keras makes new ones per sequence). */
  clearMasks(): void {
    const masks = this.masks;
    for (const key of ['dropoutMask', 'recurrentDropoutMask'] as const) {
      const mask = masks[key];
      if (mask != null) {
        tfc.dispose(mask);
        masks[key] = null;
      }
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inputDim = shape[shape.length - 1] as number;
    const u = this.units;
    this.kernel = this.addWeight(
      'kernel',
      [inputDim, 3 * u],
      undefined,
      this.kernelInitializer,
      this.kernelRegularizer,
      true,
      this.kernelConstraint,
    );
    this.recurrentKernel = this.addWeight(
      'recurrent_kernel',
      [u, 3 * u],
      undefined,
      this.recurrentInitializer,
      this.recurrentRegularizer,
      true,
      this.recurrentConstraint,
    );
    this.bias = this.useBias
      ? this.addWeight(
          'bias',
          this.resetAfter ? [2, 3 * u] : [3 * u],
          undefined,
          this.biasInitializer,
          this.biasRegularizer,
          true,
          this.biasConstraint,
        )
      : (null as never);
    this.built = true;
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[], kwargs: Kwargs): tfc.Tensor[] {
    return tfc.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2)
        throw new InvalidArgumentError('KerasGRUCell expects [inputs, state]');
      const [input, h] = inputs as [tfc.Tensor2D, tfc.Tensor2D];
      let x = input;
      const training = kwargs['training'] === true;
      const masks = this.masks;
      // One mask per sequence, as Keras: created on the first step, cleared by KerasGRU before each call.
      if (training && this.dropout > 0 && this.dropout < 1 && masks.dropoutMask == null) {
        masks.dropoutMask = tfc.keep(tfc.dropout(tfc.onesLike(x), this.dropout));
      }
      if (training && this.recurrentDropout > 0 && this.recurrentDropout < 1 && masks.recurrentDropoutMask == null) {
        masks.recurrentDropoutMask = tfc.keep(tfc.dropout(tfc.onesLike(h), this.recurrentDropout));
      }
      if (training && masks.dropoutMask != null) x = tfc.mul(x, masks.dropoutMask);
      const hMasked = training && masks.recurrentDropoutMask != null ? tfc.mul(h, masks.recurrentDropoutMask) : h;
      const u = this.units;
      const kernel = this.kernel.read();
      const recurrent = this.recurrentKernel.read();
      const bias = this.useBias ? this.bias.read() : null;
      let inputBias: tfc.Tensor | null = bias;
      let recurrentBias: tfc.Tensor | null = null;
      if (bias !== null && this.resetAfter)
        [inputBias, recurrentBias] = tfc.unstack(bias, 0) as [tfc.Tensor, tfc.Tensor];
      let matrixX = tfc.matMul(x, kernel);
      if (inputBias !== null) matrixX = tfc.add(matrixX, inputBias);
      const [xz, xr, xh] = tfc.split(matrixX, 3, 1) as [tfc.Tensor, tfc.Tensor, tfc.Tensor];
      let z: tfc.Tensor;
      let r: tfc.Tensor;
      let hh: tfc.Tensor;
      if (this.resetAfter) {
        let inner = tfc.matMul(hMasked, recurrent);
        if (recurrentBias !== null) inner = tfc.add(inner, recurrentBias);
        const [rz, rr, rh] = tfc.split(inner, 3, 1) as [tfc.Tensor, tfc.Tensor, tfc.Tensor];
        z = this.recurrentActivation.apply(tfc.add(xz, rz));
        r = this.recurrentActivation.apply(tfc.add(xr, rr));
        hh = this.activation.apply(tfc.add(xh, tfc.mul(r, rh)));
      } else {
        const [rk1, rk2] = tfc.split(recurrent, [2 * u, u], 1) as [tfc.Tensor2D, tfc.Tensor2D];
        const [rz, rr] = tfc.split(tfc.matMul(hMasked, rk1), 2, 1) as [tfc.Tensor, tfc.Tensor];
        z = this.recurrentActivation.apply(tfc.add(xz, rz));
        r = this.recurrentActivation.apply(tfc.add(xr, rr));
        hh = this.activation.apply(tfc.add(xh, tfc.matMul(tfc.mul(r, hMasked), rk2)));
      }
      const out = tfc.add(tfc.mul(z, h), tfc.mul(tfc.sub(1, z), hh));
      return [out, out];
    });
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }
}

/** A recurrent layer of one KerasGRUCell (returnSequences, returnState, goBackwards, stateful as tfjs's RNN). */
export class KerasGRU extends tfl.layers.RNN {
  static override className = 'KerasGRU';

  constructor(args: KerasGRUArgs) {
    super({ ...args, cell: new KerasGRUCell(args) });
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[], kwargs: Kwargs): tfc.Tensor | tfc.Tensor[] {
    return tfc.tidy(() => {
      if (this.cell instanceof KerasGRUCell) this.cell.clearMasks();
      const { mask, training, initialState } = kwargs as { mask?: unknown; training?: unknown; initialState?: unknown };
      return super.call(inputs, { mask, training, initialState });
    });
  }

  static override fromConfig<T extends tfc.serialization.Serializable>(
    cls: tfc.serialization.SerializableConstructor<T>,
    config: tfc.serialization.ConfigDict,
  ): T {
    return new cls(config);
  }
}
