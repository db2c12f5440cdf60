/**
 * Small weightless Keras layers and options tfjs lacks, as tfjs layers registered under their own class names:
 *
 *  KerasIdentity      — Keras `Identity` (tfjs's registry already uses `Identity` for an initializer);
 *  KerasGlobalPooling — Global{Average,Max}Pooling{1,2,3}D with Keras's `keepdims`;
 *  KerasNumpyOp       — the element-wise `keras.ops` a functional model records as operations (`x + 3.0`,
 *                       `x * y`) and Keras's `Subtract` layer: operands are the node's tensors (null slots) and
 *                       constants, in Keras's order.
 */
import { InvalidArgumentError } from '../errors';
import type { TfRuntime } from './tfjs_runtime';

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Shape = Array<number | null>;
type ConfigDict = import('@tensorflow/tfjs-core').serialization.ConfigDict;

/** The element-wise operations KerasNumpyOp performs, by the camelCase name tfjs's config reader leaves. */
export const NUMPY_OPS = ['add', 'subtract', 'multiply', 'divide', 'maximum', 'minimum', 'power'] as const;
export type NumpyOp = (typeof NUMPY_OPS)[number];

/** Keras op class (module keras.src.ops.numpy) → operation. */
export const KERAS_NUMPY_OP_CLASSES: Record<string, NumpyOp> = {
  Add: 'add',
  Subtract: 'subtract',
  Multiply: 'multiply',
  Divide: 'divide',
  TrueDivide: 'divide',
  Maximum: 'maximum',
  Minimum: 'minimum',
  Power: 'power',
};

function broadcastShapes(shapes: Shape[]): Shape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    let dim: number | null = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i];
      if (d === undefined || d === 1) continue;
      dim = d === null || dim === null ? (dim === 1 ? d : null) : Math.max(dim, d);
    }
    out.push(dim);
  }
  return out;
}

let registered = false;

/** Registers the layers above with tfjs (idempotent). */
export function registerStatelessLayers(tf: TfRuntime): void {
  if (registered) return;
  registered = true;
  const { core, layers } = tf;
  const Layer = layers.layers.Layer;
  type LayerArgs = ConstructorParameters<typeof Layer>[0] & Record<string, unknown>;
  const single = (x: Tensor | Tensor[]): Tensor => {
    const first = Array.isArray(x) ? x[0] : x;
    if (first === undefined) throw new InvalidArgumentError('a Keras layer was called with no inputs');
    return first;
  };

  class KerasIdentity extends Layer {
    static className = 'KerasIdentity';
    constructor(args: LayerArgs) {
      super(args);
      this.supportsMasking = true;
    }
    override call(inputs: Tensor | Tensor[]): Tensor {
      return core.clone(single(inputs));
    }
  }

  class KerasGlobalPooling extends Layer {
    static className = 'KerasGlobalPooling';
    readonly mode: 'average' | 'max';
    readonly rank: number;
    readonly dataFormat: string;
    readonly keepdims: boolean;
    constructor(args: LayerArgs) {
      super(args);
      this.mode = args['mode'] === 'max' ? 'max' : 'average';
      this.rank = Number(args['rank']);
      this.dataFormat = (args['dataFormat'] as string | undefined) ?? 'channelsLast';
      this.keepdims = args['keepdims'] === true;
    }
    private axes(inputRank: number): number[] {
      const first = this.dataFormat === 'channelsFirst' ? 2 : 1;
      return Array.from({ length: inputRank - 2 }, (_, i) => first + i);
    }
    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      const axes = new Set(this.axes(shape.length));
      return this.keepdims ? shape.map((d, i) => (axes.has(i) ? 1 : d)) : shape.filter((_, i) => !axes.has(i));
    }
    override call(inputs: Tensor | Tensor[]): Tensor {
      const x = single(inputs);
      const axes = this.axes(x.rank);
      return this.mode === 'max' ? core.max(x, axes, this.keepdims) : core.mean(x, axes, this.keepdims);
    }
    override getConfig(): ConfigDict {
      return {
        ...super.getConfig(),
        mode: this.mode,
        rank: this.rank,
        dataFormat: this.dataFormat,
        keepdims: this.keepdims,
      };
    }
  }

  class KerasNumpyOp extends Layer {
    static className = 'KerasNumpyOp';
    readonly op: NumpyOp;
    readonly operands: Array<number | null>;
    constructor(args: LayerArgs) {
      super(args);
      this.op = args['op'] as NumpyOp;
      this.operands = args['operands'] as Array<number | null>;
    }
    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as Shape[];
      return broadcastShapes(shapes);
    }
    override call(inputs: Tensor | Tensor[]): Tensor {
      return core.tidy(() => {
        const tensors = Array.isArray(inputs) ? [...inputs] : [inputs];
        const values = this.operands.map((v) => {
          if (v !== null) return core.scalar(v);
          const input = tensors.shift();
          if (input === undefined)
            throw new InvalidArgumentError(`${this.name}: fewer inputs than the operation's operands`);
          return input;
        });
        const fn = {
          add: core.add,
          subtract: core.sub,
          multiply: core.mul,
          divide: core.div,
          maximum: core.maximum,
          minimum: core.minimum,
          power: core.pow,
        }[this.op];
        const [first, ...rest] = values;
        if (first === undefined) throw new InvalidArgumentError(`${this.name}: an operation without operands`);
        return rest.reduce<Tensor>((acc, v) => fn(acc, v), first);
      });
    }
    override getConfig(): ConfigDict {
      return { ...super.getConfig(), op: this.op, operands: this.operands };
    }
  }

  for (const cls of [KerasIdentity, KerasGlobalPooling, KerasNumpyOp]) core.serialization.registerClass(cls);
}
