/**
 * Keras's Conv2D with `groups` > 1 (ConvNeXt's depthwise convolutions are written this way), which tfjs's Conv2D
 * lacks: registered as `KerasGroupedConv2D`, with Keras's weights — `kernel` [kh, kw, in/groups, filters] and
 * `bias` [filters] — so checkpoints restore into it. Output channel o belongs to group o / (filters/groups), as in
 * Keras; when every group is one input channel this is a depthwise convolution with multiplier filters/in.
 */
import { InternalError, InvalidArgumentError } from '../errors';
import type { TfRuntime } from './tfjs_runtime';

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Tensor4D = import('@tensorflow/tfjs-core').Tensor4D;
type ConfigDict = import('@tensorflow/tfjs-core').serialization.ConfigDict;
type Initializer = Parameters<import('@tensorflow/tfjs-layers').layers.Layer['addWeight']>[3];
type Shape = Array<number | null>;

interface Serializable {
  getClassName(): string;
  getConfig(): ConfigDict;
}

let registered = false;

export function registerGroupedConv(tf: TfRuntime): void {
  if (registered) return;
  registered = true;
  const { core, layers } = tf;
  const Layer = layers.layers.Layer;
  type LayerArgs = ConstructorParameters<typeof Layer>[0] & Record<string, unknown>;
  const registry = (): Record<
    string,
    [new (...a: never[]) => unknown, (cls: unknown, config: ConfigDict) => unknown]
  > => core.serialization.SerializationMap.getMap().classNameMap as never;

  /** An initializer or activation from its serialized form, through tfjs's registry. */
  // The registry is untyped: callers say what kind of object their spec names.
  const fromRegistry = (spec: unknown, fallback: string): unknown => {
    const s = (
      typeof spec === 'string' ? { className: spec, config: {} } : (spec ?? { className: fallback, config: {} })
    ) as { className: string; config?: ConfigDict };
    const entry = registry()[s.className];
    if (entry === undefined)
      throw new Error(`Unknown ${fallback === 'linear' ? 'activation' : 'initializer'}: ${s.className}`);
    return entry[1](entry[0], s.config ?? {});
  };
  const pair = (v: unknown): [number, number] =>
    Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)];

  class KerasGroupedConv2D extends Layer {
    static className = 'KerasGroupedConv2D';
    readonly filters: number;
    readonly groups: number;
    readonly kernelSize: [number, number];
    readonly strides: [number, number];
    readonly dilationRate: [number, number];
    readonly padding: 'same' | 'valid';
    readonly useBias: boolean;
    readonly activationSpec: unknown;
    readonly kernelInitializerSpec: unknown;
    readonly biasInitializerSpec: unknown;
    private activation: { apply(x: Tensor): Tensor } & Serializable;
    private kernel: import('@tensorflow/tfjs-layers').LayerVariable | null = null;
    private bias: import('@tensorflow/tfjs-layers').LayerVariable | null = null;

    constructor(args: LayerArgs) {
      super(args);
      this.filters = Number(args['filters']);
      this.groups = Number(args['groups']);
      this.kernelSize = pair(args['kernelSize']);
      this.strides = pair(args['strides'] ?? 1);
      this.dilationRate = pair(args['dilationRate'] ?? 1);
      this.padding = args['padding'] === 'same' ? 'same' : 'valid';
      this.useBias = args['useBias'] !== false;
      this.activationSpec = args['activation'] ?? 'linear';
      this.kernelInitializerSpec = args['kernelInitializer'];
      this.biasInitializerSpec = args['biasInitializer'];
      this.activation = fromRegistry(this.activationSpec, 'linear') as KerasGroupedConv2D['activation'];
    }

    override build(inputShape: Shape | Shape[]): void {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      const channels = Number(shape[shape.length - 1]);
      const [kh, kw] = this.kernelSize;
      this.kernel = this.addWeight(
        'kernel',
        [kh, kw, channels / this.groups, this.filters],
        'float32',
        fromRegistry(this.kernelInitializerSpec, 'GlorotUniform') as Initializer,
      );
      if (this.useBias)
        this.bias = this.addWeight(
          'bias',
          [this.filters],
          'float32',
          fromRegistry(this.biasInitializerSpec, 'Zeros') as Initializer,
        );
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      const outSize = (
        n: number | null | undefined,
        kernel: number,
        dilation: number,
        stride: number,
      ): number | null => {
        if (n === null || n === undefined) return null;
        const span = (kernel - 1) * dilation + 1;
        return this.padding === 'same' ? Math.ceil(n / stride) : Math.ceil((n - span + 1) / stride);
      };
      const [kh, kw] = this.kernelSize;
      const [dh, dw] = this.dilationRate;
      const [sh, sw] = this.strides;
      return [shape[0] ?? null, outSize(shape[1], kh, dh, sh), outSize(shape[2], kw, dw, sw), this.filters];
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return core.tidy(() => {
        const input = Array.isArray(inputs) ? inputs[0] : inputs;
        if (input === undefined) throw new InvalidArgumentError('KerasGroupedConv2D was called with no inputs');
        const x = input as Tensor4D;
        if (this.kernel === null) throw new InternalError('KerasGroupedConv2D was called before build()');
        const kernel = this.kernel.read() as Tensor4D;
        const channels = x.shape[3];
        const [kh, kw] = this.kernelSize;
        let y: Tensor;
        if (channels === this.groups) {
          // One input channel per group: a depthwise convolution with multiplier filters / channels.
          const depthwise: Tensor4D = core.reshape(kernel, [kh, kw, channels, this.filters / channels]);
          y = core.depthwiseConv2d(x, depthwise, this.strides, this.padding, 'NHWC', this.dilationRate);
        } else {
          const xs = core.split(x, this.groups, 3);
          const ks = core.split(kernel, this.groups, 3);
          y = core.concat(
            xs.map((xi, g) =>
              core.conv2d(xi as Tensor4D, ks[g] as Tensor4D, this.strides, this.padding, 'NHWC', this.dilationRate),
            ),
            3,
          );
        }
        if (this.bias !== null) y = core.add(y, this.bias.read());
        return this.activation.apply(y);
      });
    }

    override getConfig(): ConfigDict {
      return {
        ...super.getConfig(),
        filters: this.filters,
        groups: this.groups,
        kernelSize: this.kernelSize,
        strides: this.strides,
        dilationRate: this.dilationRate,
        padding: this.padding,
        useBias: this.useBias,
        activation: this.activation.getClassName(),
        kernelInitializer: (this.kernelInitializerSpec ?? null) as ConfigDict['x'],
        biasInitializer: (this.biasInitializerSpec ?? null) as ConfigDict['x'],
      };
    }
  }

  core.serialization.registerClass(KerasGroupedConv2D);
}
