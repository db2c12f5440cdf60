/**
 * Keras 3's MultiHeadAttention (keras.layers.MultiHeadAttention) with its four EinsumDense sublayers `query`,
 * `key`, `value` and `attention_output` (and `gate` when useGate), whose kernels have Keras's shapes
 * ([dim, heads, key_dim], …) so that Keras weights and checkpoints fit.
 *
 * Call inputs: `query` alone (self-attention), `[query, value]`, `[query, value, key]`, or
 * `[query, value, key, attentionMask]` (pass value again as key when only a mask is given). The attention mask is
 * [batch, T, S], true or > 0.5 where attention is allowed. `useCausalMask` is part of the config because tfjs's
 * model.predict does not hand a node's call kwargs to the layer: a symbolic apply with the kwarg `useCausalMask`
 * (or `use_causal_mask`, as in a model JSON's node) sets it. The call kwargs `useCausalMask` and `attentionMask`,
 * when given to an eager call, take precedence. Keras masks of the inputs (kwargs.mask) restrict
 * attention as in Keras: query positions [B, T, 1], value/key positions [B, 1, S].
 *
 * As in Keras, rank-3 inputs without dropout go through dot_product_attention, where masked logits become
 * -0.7·float32max and a fully masked row attends uniformly; otherwise masked logits become -1e9 and masked
 * probabilities are zeroed after the softmax.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';

import { present } from '../../checked';
import { InvalidArgumentError, UnsupportedError } from '../../errors';
import { einsum2, type ParsedEquation, parseEquation } from './einsum';
import { EinsumDense, type KernelBiasArgs } from './einsum_dense';
import { firstInput } from './inputs';
import { deserializeObject, type Identifier, serializeObject } from './tfjs_objects';

type Dim = number | null;

export interface MultiHeadAttentionArgs extends LayerArgs, KernelBiasArgs {
  numHeads: number;
  keyDim: number;
  valueDim?: number | null;
  dropout?: number;
  useBias?: boolean;
  outputShape?: number | number[] | null;
  attentionAxes?: number | number[] | null;
  useCausalMask?: boolean;
  useGate?: boolean;
  slidingWindow?: number | null;
  seed?: number | null;
  /** Keras's build shapes, accepted for compatibility; the call's inputs decide. */
  queryShape?: Dim[];
  valueShape?: Dim[];
  keyShape?: Dim[];
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** The masked-logit fill of Keras's TensorFlow dot_product_attention: -0.7 × the largest float32. */
const DOT_PRODUCT_MASK_FILL = -0.7 * 3.38953e38;
/** The masked-logit fill of Keras's Softmax layer. */
const SOFTMAX_MASK_FILL = -1e9;

/** Keras's projection equation: `free` passthrough dims, `bound` contracted dims, `output` new dims. */
function projectionEquation(
  free: number,
  bound: number,
  output: number,
): { equation: string; biasAxes: string; outputRank: number } {
  const inputStr = LETTERS.slice(0, free + bound);
  const kernelStr = LETTERS.slice(free, free + bound + output);
  const outputStr = LETTERS.slice(0, free) + LETTERS.slice(free + bound, free + bound + output);
  return {
    equation: `${inputStr},${kernelStr}->${outputStr}`,
    biasAxes: LETTERS.slice(free + bound, free + bound + output),
    outputRank: free + output,
  };
}

function partialShape(outputRank: number, known: number[]): Dim[] {
  return [...new Array<Dim>(outputRank - known.length).fill(null), ...known];
}

/** Keras's attention equations for projected tensors of `rank` attending over `axes`. */
function attentionEquations(
  rank: number,
  axes: number[],
): { dot: ParsedEquation; combine: ParsedEquation; scoresRank: number } {
  const target = LETTERS.slice(0, rank);
  const batchDims = [...Array(rank).keys()].filter((i) => !axes.includes(i) && i !== rank - 1);
  let offset = rank;
  let source = '';
  for (let i = 0; i < rank; i++)
    source += batchDims.includes(i) || i === rank - 1 ? target.charAt(i) : LETTERS.charAt(offset++);
  const product = [
    ...batchDims.map((i) => target[i]),
    ...axes.map((i) => target[i]),
    ...axes.map((i) => source[i]),
  ].join('');
  return {
    dot: parseEquation(`${source},${target}->${product}`),
    combine: parseEquation(`${product},${source}->${target}`),
    scoresRank: product.length,
  };
}

function toBool(mask: tfc.Tensor): tfc.Tensor {
  return mask.dtype === 'bool' ? mask : tfc.greater(mask, 0.5);
}

function and(a: tfc.Tensor | null, b: tfc.Tensor): tfc.Tensor {
  return a === null ? b : tfc.logicalAnd(a, b);
}

export class MultiHeadAttention extends tfl.layers.Layer {
  static className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  /** Keras's `output_shape` (tfjs's Layer already has an `outputShape`). */
  readonly attentionOutputShape: number[] | null;
  readonly attentionAxes: number[] | null;
  useCausalMask: boolean;
  /** The causal flag of the first symbolic apply that gave one; later applies must agree. */
  private appliedCausal: boolean | undefined = undefined;
  readonly useGate: boolean;
  readonly slidingWindow: number | null;
  readonly seed: number | null;
  private readonly sublayerArgs: Record<string, unknown>;
  queryDense: EinsumDense | null = null;
  keyDense: EinsumDense | null = null;
  valueDense: EinsumDense | null = null;
  outputDense: EinsumDense | null = null;
  gateDense: EinsumDense | null = null;
  private attention: { axes: number[]; dot: ParsedEquation; combine: ParsedEquation; scoresRank: number } | null = null;

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    const positive = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
    if (!positive(args.numHeads))
      throw new InvalidArgumentError(`MultiHeadAttention: numHeads must be a positive integer, got ${args.numHeads}`);
    if (!positive(args.keyDim))
      throw new InvalidArgumentError(`MultiHeadAttention: keyDim must be a positive integer, got ${args.keyDim}`);
    if (args.valueDim != null && !positive(args.valueDim))
      throw new InvalidArgumentError(`MultiHeadAttention: valueDim must be a positive integer, got ${args.valueDim}`);
    if (args.slidingWindow != null && !positive(args.slidingWindow))
      throw new InvalidArgumentError(
        `MultiHeadAttention: slidingWindow must be a positive integer, got ${args.slidingWindow}`,
      );
    this.supportsMasking = true;
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.valueDim = args.valueDim ?? args.keyDim;
    this.dropout = args.dropout ?? 0;
    this.useBias = args.useBias ?? true;
    this.attentionOutputShape =
      args.outputShape == null
        ? null
        : typeof args.outputShape === 'number'
          ? [args.outputShape]
          : [...args.outputShape];
    if (this.attentionOutputShape !== null && this.attentionOutputShape.length === 0) this.attentionOutputShape = null;
    this.attentionAxes =
      args.attentionAxes == null
        ? null
        : typeof args.attentionAxes === 'number'
          ? [args.attentionAxes]
          : [...args.attentionAxes];
    this.useCausalMask = args.useCausalMask ?? false;
    this.useGate = args.useGate ?? false;
    this.slidingWindow = args.slidingWindow ?? null;
    this.seed = args.seed ?? null;
    // Each sublayer gets its own initializer objects, from the same config, as Keras does.
    const serialized = (kind: 'initializer' | 'regularizer' | 'constraint', id: Identifier) =>
      serializeObject(deserializeObject(kind, id));
    this.sublayerArgs = {
      kernelInitializer: serialized('initializer', args.kernelInitializer ?? 'glorotUniform'),
      biasInitializer: serialized('initializer', args.biasInitializer ?? 'zeros'),
      kernelRegularizer: serialized('regularizer', args.kernelRegularizer),
      biasRegularizer: serialized('regularizer', args.biasRegularizer),
      activityRegularizer: serialized('regularizer', args.activityRegularizer),
      kernelConstraint: serialized('constraint', args.kernelConstraint),
      biasConstraint: serialized('constraint', args.biasConstraint),
    };
    this.activityRegularizer = deserializeObject('regularizer', args.activityRegularizer) as never;
  }

  private sublayer(
    name: string,
    equation: string,
    outputShape: Dim[],
    biasAxes: string,
    activation?: string,
  ): EinsumDense {
    const layer = new EinsumDense({
      name,
      equation,
      outputShape,
      biasAxes: this.useBias ? biasAxes : null,
      activation: activation ?? null,
      ...(this.sublayerArgs as object),
    });
    layer.weightScope = name;
    return layer;
  }

  /** The sublayers, in Keras's weight order. */
  sublayers(): EinsumDense[] {
    return [this.queryDense, this.keyDense, this.gateDense, this.valueDense, this.outputDense].filter(
      (l): l is EinsumDense => l !== null,
    );
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as Dim[][];
    const [query = [], value = query, key = value] = shapes;
    if (value.slice(1, -1).join() !== key.slice(1, -1).join()) {
      throw new InvalidArgumentError(
        `MultiHeadAttention: value [${value.join()}] and key [${key.join()}] must agree in every dimension but the last`,
      );
    }
    const q = projectionEquation(query.length - 1, 1, 2);
    this.queryDense = this.sublayer(
      'query',
      q.equation,
      partialShape(q.outputRank - 1, [this.numHeads, this.keyDim]),
      q.biasAxes,
    );
    this.queryDense.build(query);
    const k = projectionEquation(key.length - 1, 1, 2);
    this.keyDense = this.sublayer(
      'key',
      k.equation,
      partialShape(k.outputRank - 1, [this.numHeads, this.keyDim]),
      k.biasAxes,
    );
    this.keyDense.build(key);
    if (this.useGate) {
      this.gateDense = this.sublayer(
        'gate',
        q.equation,
        partialShape(q.outputRank - 1, [this.numHeads, this.valueDim]),
        q.biasAxes,
        'sigmoid',
      );
      this.gateDense.build(query);
    }
    const v = projectionEquation(value.length - 1, 1, 2);
    this.valueDense = this.sublayer(
      'value',
      v.equation,
      partialShape(v.outputRank - 1, [this.numHeads, this.valueDim]),
      v.biasAxes,
    );
    this.valueDense.build(value);

    const rank = v.outputRank;
    const axes =
      this.attentionAxes === null
        ? [...Array(rank - 3).keys()].map((i) => i + 1)
        : this.attentionAxes.map((a) => (a >= 0 ? a : rank - 1 + a));
    this.attention = { axes, ...attentionEquations(rank, axes) };

    const outShape = this.attentionOutputShape ?? [query[query.length - 1] as number];
    const o = projectionEquation(query.length - 1, 2, outShape.length);
    this.outputDense = this.sublayer(
      'attention_output',
      o.equation,
      partialShape(o.outputRank - 1, outShape),
      o.biasAxes,
    );
    const projected = [...(this.queryDense.computeOutputShape(query) as Dim[])];
    projected[projected.length - 1] = this.valueDim;
    this.outputDense.build(projected);
    this.built = true;
  }

  override get trainableWeights(): tfl.LayerVariable[] {
    return this.trainable ? this.sublayers().flatMap((l) => l.trainableWeights) : [];
  }

  override get nonTrainableWeights(): tfl.LayerVariable[] {
    return this.sublayers().flatMap((l) => (this.trainable ? l.nonTrainableWeights : l.weights));
  }

  /** The sublayers' weight regularizers count as this layer's, as in Keras. */
  override get losses(): ReturnType<() => tfl.layers.Layer['losses']> {
    return [...super.losses, ...this.sublayers().flatMap((l) => l.losses)];
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const query = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Dim[];
    return this.attentionOutputShape === null ? [...query] : [...query.slice(0, -1), ...this.attentionOutputShape];
  }

  override apply(
    inputs: tfc.Tensor | tfc.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[],
    kwargs?: Kwargs,
  ): tfc.Tensor | tfc.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[] {
    const flag: unknown = kwargs?.['useCausalMask'] ?? kwargs?.['use_causal_mask'];
    const symbolic = (Array.isArray(inputs) ? inputs : [inputs]).some((x) => x instanceof tfl.SymbolicTensor);
    if (symbolic && typeof flag === 'boolean') {
      if (this.appliedCausal !== undefined && this.appliedCausal !== flag) {
        throw new UnsupportedError(
          `MultiHeadAttention ${this.name} is called both with and without use_causal_mask; tfjs's predict cannot tell its calls apart`,
        );
      }
      this.appliedCausal = flag;
      this.useCausalMask = flag;
    }
    return super.apply(inputs, kwargs);
  }

  override computeMask(_inputs: tfc.Tensor | tfc.Tensor[], mask?: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    return (Array.isArray(mask) ? mask[0] : mask) ?? (null as never);
  }

  /** Keras's combined boolean mask ([B or 1, T, S]) of the input masks, the causal and window masks and the attention mask. */
  private combinedMask(
    query: tfc.Tensor,
    value: tfc.Tensor,
    masks: Array<tfc.Tensor | null>,
    attentionMask: tfc.Tensor | null,
    causal: boolean,
  ): tfc.Tensor | null {
    const [queryMask, valueMask, keyMask] = masks;
    let mask: tfc.Tensor | null = null;
    if (queryMask) mask = and(mask, tfc.expandDims(toBool(queryMask), -1));
    if (valueMask) mask = and(mask, tfc.expandDims(toBool(valueMask), -2));
    if (keyMask) mask = and(mask, tfc.expandDims(toBool(keyMask), -2));
    const [, t = 1] = query.shape;
    const [, s = 1] = value.shape;
    const row = tfc.reshape(tfc.range(0, t, 1, 'int32'), [1, t, 1]);
    const col = tfc.reshape(tfc.range(0, s, 1, 'int32'), [1, 1, s]);
    if (causal) mask = and(mask, tfc.greaterEqual(row, col));
    if (this.slidingWindow !== null) mask = and(mask, tfc.less(tfc.abs(tfc.sub(row, col)), this.slidingWindow));
    if (attentionMask) mask = and(mask, toBool(attentionMask));
    return mask;
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[], kwargs: Kwargs): tfc.Tensor {
    return tfc.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const query = firstInput(list, 'MultiHeadAttention');
      const value = list[1] ?? query;
      const key = list[2] ?? value;
      const attentionMask = (kwargs['attentionMask'] as tfc.Tensor | undefined) ?? list[3] ?? null;
      const causal =
        (kwargs['useCausalMask'] as boolean | undefined) ??
        (kwargs['use_causal_mask'] as boolean | undefined) ??
        this.useCausalMask;
      const training = kwargs['training'] === true;
      const given = kwargs['mask'] as tfc.Tensor | Array<tfc.Tensor | null> | undefined;
      // tfjs's executor hands over only the first input's mask: it is the value's and key's too when they are the query.
      const masks: Array<tfc.Tensor | null> = Array.isArray(given)
        ? [given[0] ?? null, given[1] ?? null, list[2] === undefined ? null : (given[2] ?? null)]
        : [
            given ?? null,
            given && value === query ? given : null,
            given && list[2] !== undefined && key === query ? given : null,
          ];
      const mask = this.combinedMask(query, value, masks, attentionMask, causal);

      const built = 'MultiHeadAttention sublayer (build() makes it)';
      const q = present(this.queryDense, built).call(query, {});
      const k = present(this.keyDense, built).call(key, {});
      const v = present(this.valueDense, built).call(value, {});
      const { axes, dot, combine, scoresRank } = present(
        this.attention,
        'MultiHeadAttention equations (build() makes them)',
      );
      const scale = 1 / Math.sqrt(this.keyDim);
      const expand = (m: tfc.Tensor): tfc.Tensor => {
        while (m.rank < scoresRank) m = tfc.expandDims(m, m.rank - axes.length * 2);
        return m;
      };
      let probs: tfc.Tensor;
      if (this.dropout === 0 && q.rank === 4) {
        let logits = tfc.mul(einsum2(dot, k, q), scale);
        if (mask !== null)
          logits = tfc.where(
            tfc.broadcastTo(expand(mask), logits.shape),
            logits,
            tfc.fill(logits.shape, DOT_PRODUCT_MASK_FILL),
          );
        probs = tfc.softmax(logits);
      } else {
        let scores = einsum2(dot, k, tfc.mul(q, scale));
        const normAxes = [...Array(axes.length).keys()].map((i) => scoresRank - axes.length + i);
        const full = mask === null ? null : tfc.broadcastTo(expand(mask), scores.shape);
        if (full !== null) scores = tfc.where(full, scores, tfc.fill(scores.shape, SOFTMAX_MASK_FILL));
        probs =
          normAxes.length === 1 ? tfc.softmax(scores) : tfc.exp(tfc.sub(scores, tfc.logSumExp(scores, normAxes, true)));
        if (full !== null) probs = tfc.where(full, probs, tfc.zerosLike(probs));
        if (training && this.dropout > 0) probs = tfc.dropout(probs, this.dropout);
      }
      let output = einsum2(combine, probs, v);
      if (this.gateDense !== null) output = tfc.mul(output, this.gateDense.call(query, {}));
      return present(this.outputDense, built).call(output, {});
    });
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.attentionOutputShape,
      attentionAxes: this.attentionAxes,
      useCausalMask: this.useCausalMask,
      useGate: this.useGate,
      slidingWindow: this.slidingWindow,
      seed: this.seed,
      ...(this.sublayerArgs as tfc.serialization.ConfigDict),
    };
  }
}
