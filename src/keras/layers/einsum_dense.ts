/**
 * Keras's EinsumDense: `activation(einsum(equation, inputs, kernel) + bias)`, with the kernel and bias shapes Keras
 * derives from the equation, the partial output shape and `bias_axes` (keras.layers.EinsumDense). Equations may
 * elide leading (`...ab,bc->...ac`) or trailing (`ab...,bc->ac...`) input dimensions, as Keras allows.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';

import { present } from '../../checked';
import { InvalidArgumentError, UnsupportedError } from '../../errors';
import { einsum2, type ParsedEquation, parseEquation } from './einsum';
import { firstInput } from './inputs';
import {
  deserializeObject,
  getActivation,
  type Identifier,
  serializeActivation,
  serializeObject,
  type TfjsActivation,
  type TfjsConstraint,
  type TfjsInitializer,
  type TfjsRegularizer,
} from './tfjs_objects';

type Dim = number | null;

/** The initializers, regularizers and constraints of a layer's kernel and bias (Keras's names, camel-cased). */
export interface KernelBiasArgs {
  kernelInitializer?: Identifier;
  biasInitializer?: Identifier;
  kernelRegularizer?: Identifier;
  biasRegularizer?: Identifier;
  activityRegularizer?: Identifier;
  kernelConstraint?: Identifier;
  biasConstraint?: Identifier;
}

export interface EinsumDenseArgs extends LayerArgs, KernelBiasArgs {
  equation: string;
  /** The output shape without the batch dimension (and without elided dimensions); null where it follows the input. */
  outputShape: number | Dim[];
  activation?: Identifier;
  /** Output letters that get a bias; none when null. */
  biasAxes?: string | null;
  /** Keras's LoRA and quantization options change the weights; only their absence is supported. */
  loraRank?: number | null;
  quantizationConfig?: unknown;
}

/** What an equation means for one input shape. */
export interface EinsumAnalysis {
  /** The equation with every dimension spelled out. */
  equation: ParsedEquation;
  kernelShape: number[];
  biasShape: number[] | null;
  outputShape: Dim[];
}

function freshLetters(equation: string, count: number): string {
  const used = new Set(equation);
  const out: string[] = [];
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') {
    if (out.length === count) break;
    if (!used.has(c)) out.push(c);
  }
  return out.join('');
}

/** Keras's shape analysis of an EinsumDense equation (see keras.layers.EinsumDense's build). */
export function analyzeEinsumDense(
  equation: string,
  biasAxes: string | null,
  inputShape: Dim[],
  partial: number | Dim[],
): EinsumAnalysis {
  const compact = equation.replace(/\s+/g, '');
  const fail = (why: string): never => {
    throw new InvalidArgumentError(
      `EinsumDense equation '${equation}' with input shape [${inputShape.join(', ')}]: ${why}`,
    );
  };
  let m = /^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$/.exec(compact);
  let elision: 'none' | 'left' | 'right' = 'none';
  if (!m) {
    m = /^\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)$/.exec(compact);
    elision = 'left';
  }
  if (!m) {
    m = /^([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.$/.exec(compact);
    elision = 'right';
  }
  if (!m) return fail('equations must be [X],[Y]->[Z], ...[X],[Y]->...[Z] or [X]...,[Y]->[Z]...');
  const [, inSpec, weightSpec, outSpec] = m as unknown as [string, string, string, string];
  const elided = inputShape.length - inSpec.length;
  if (elided < 0 || (elision === 'none' && elided !== 0)) fail(`the input has rank ${inputShape.length}`);
  const extra = freshLetters(compact, elided);
  const a = elision === 'left' ? extra + inSpec : inSpec + extra;
  const out = elision === 'left' ? extra + outSpec : outSpec + extra;

  // Keras's full output shape: the batch dimension, the partial shape, and the elided input dimensions.
  const part = typeof partial === 'number' ? [partial] : [...partial];
  let full: Dim[];
  if (elision === 'left') full = [...inputShape.slice(0, elided), ...part];
  else full = [inputShape[0] ?? null, ...part, ...inputShape.slice(inputShape.length - elided)];
  if (full.length !== out.length) fail(`output_shape [${part.join(', ')}] does not fit the output '${outSpec}'`);
  full = full.map((d, i) => {
    const c = out.charAt(i);
    const j = a.indexOf(c);
    if (j < 0) return d;
    const fromInput = inputShape[j] ?? null;
    if (d !== null && fromInput !== null && d !== fromInput && i > 0)
      fail(`dimension '${c}' is ${fromInput} in the input and ${d} in output_shape`);
    return d ?? fromInput;
  });
  if (elision !== 'left') full[0] = inputShape[0] ?? null;

  const kernelShape = Array.from(weightSpec).map((c) => {
    const d = out.includes(c)
      ? full[out.indexOf(c)]
      : a.includes(c)
        ? inputShape[a.indexOf(c)]
        : fail(`weight letter '${c}' is in neither the input nor the output`);
    if (d === null || d === undefined) return fail(`the kernel dimension '${c}' is unknown`);
    return d;
  });

  let biasShape: number[] | null = null;
  if (biasAxes) {
    for (const c of biasAxes) if (!outSpec.includes(c)) fail(`bias axis '${c}' is not in the output '${outSpec}'`);
    const first = Math.min(...Array.from(biasAxes).map((c) => outSpec.indexOf(c)));
    biasShape = Array.from(outSpec.slice(first)).map((c) => {
      if (!biasAxes.includes(c)) return 1;
      const d = full[out.indexOf(c)];
      return d === null || d === undefined ? fail(`the bias dimension '${c}' is unknown`) : d;
    });
    if (elision === 'right') for (let i = 0; i < elided; i++) biasShape.push(1);
  }
  return { equation: parseEquation(`${a},${weightSpec}->${out}`), kernelShape, biasShape, outputShape: full };
}

export class EinsumDense extends tfl.layers.Layer {
  static className = 'EinsumDense';
  readonly equation: string;
  readonly partialOutputShape: number | Dim[];
  readonly biasAxes: string | null;
  readonly activation: TfjsActivation;
  readonly kernelInitializer: TfjsInitializer;
  readonly biasInitializer: TfjsInitializer;
  readonly kernelRegularizer: TfjsRegularizer | null;
  readonly biasRegularizer: TfjsRegularizer | null;
  readonly kernelConstraint: TfjsConstraint | null;
  readonly biasConstraint: TfjsConstraint | null;
  kernel: tfl.LayerVariable | null = null;
  bias: tfl.LayerVariable | null = null;
  private analysis: EinsumAnalysis | null = null;
  /**
   * Set by a layer that owns this one (MultiHeadAttention): weights are then named `<this name>/kernel`, so that
   * sibling sublayers built in their owner's name scope get distinct names, like Keras's `mha/query/kernel`.
   */
  weightScope: string | null = null;

  constructor(args: EinsumDenseArgs) {
    super(args);
    if (typeof args.equation !== 'string') throw new InvalidArgumentError('EinsumDense needs an `equation`');
    // Checked at run time as well: configs come from JSON.
    if ((args.outputShape as EinsumDenseArgs['outputShape'] | null | undefined) == null)
      throw new InvalidArgumentError('EinsumDense needs an `outputShape`');
    if (args.loraRank != null || args.quantizationConfig != null) {
      throw new UnsupportedError(
        `EinsumDense ${args.name ?? ''}: LoRA and quantized kernels are not supported (loraRank, quantizationConfig)`,
      );
    }
    this.equation = args.equation;
    this.partialOutputShape = args.outputShape;
    this.biasAxes = args.biasAxes ?? null;
    this.activation = getActivation(args.activation);
    this.kernelInitializer = present(
      deserializeObject('initializer', args.kernelInitializer ?? 'glorotUniform'),
      'kernel initializer',
    );
    this.biasInitializer = present(
      deserializeObject('initializer', args.biasInitializer ?? 'zeros'),
      'bias initializer',
    );
    this.kernelRegularizer = deserializeObject('regularizer', args.kernelRegularizer);
    this.biasRegularizer = deserializeObject('regularizer', args.biasRegularizer);
    this.activityRegularizer = deserializeObject('regularizer', args.activityRegularizer) as never;
    this.kernelConstraint = deserializeObject('constraint', args.kernelConstraint);
    this.biasConstraint = deserializeObject('constraint', args.biasConstraint);
  }

  private analyze(inputShape: Dim[]): EinsumAnalysis {
    return analyzeEinsumDense(this.equation, this.biasAxes, inputShape, this.partialOutputShape);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Dim[];
    this.analysis = this.analyze(shape);
    const prefix = this.weightScope === null ? '' : `${this.weightScope}/`;
    this.kernel = this.addWeight(
      `${prefix}kernel`,
      this.analysis.kernelShape,
      'float32',
      this.kernelInitializer as never,
      this.kernelRegularizer as never,
      true,
      this.kernelConstraint as never,
    );
    if (this.analysis.biasShape !== null) {
      this.bias = this.addWeight(
        `${prefix}bias`,
        this.analysis.biasShape,
        'float32',
        this.biasInitializer as never,
        this.biasRegularizer as never,
        true,
        this.biasConstraint as never,
      );
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Dim[];
    return this.analyze(shape).outputShape;
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[], _kwargs: Kwargs): tfc.Tensor {
    return tfc.tidy(() => {
      const x = firstInput(inputs, 'EinsumDense');
      const analysis =
        this.analysis !== null && this.analysis.equation.a.length === x.rank ? this.analysis : this.analyze(x.shape);
      let y = einsum2(analysis.equation, x, present(this.kernel, 'EinsumDense kernel (build() makes it)').read());
      if (this.bias !== null) y = tfc.add(y, this.bias.read());
      return this.activation.apply(y);
    });
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      equation: this.equation,
      outputShape: this.partialOutputShape,
      activation: serializeActivation(this.activation),
      biasAxes: this.biasAxes,
      kernelInitializer: serializeObject(this.kernelInitializer),
      biasInitializer: serializeObject(this.biasInitializer),
      kernelRegularizer: serializeObject(this.kernelRegularizer),
      biasRegularizer: serializeObject(this.biasRegularizer),
      activityRegularizer: serializeObject(this.activityRegularizer),
      kernelConstraint: serializeObject(this.kernelConstraint),
      biasConstraint: serializeObject(this.biasConstraint),
    };
  }
}
