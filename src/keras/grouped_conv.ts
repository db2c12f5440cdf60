/**
 * Keras's Conv2D with `groups` > 1 (ConvNeXt's depthwise convolutions are written this way), which tfjs's Conv2D
 * lacks: registered as `KerasGroupedConv2D`, with Keras's weights — `kernel` [kh, kw, in/groups, filters] and
 * `bias` [filters] — so checkpoints restore into it. Output channel o belongs to group o / (filters/groups), as in
 * Keras; when every group is one input channel this is a depthwise convolution with multiplier filters/in.
 */
import type { TfRuntime } from './tfjs_runtime';

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Tensor4D = import('@tensorflow/tfjs-core').Tensor4D;
type ConfigDict = import('@tensorflow/tfjs-core').serialization.ConfigDict;
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
  const registry = (): Record<string, [new (...a: never[]) => unknown, (cls: unknown, config: ConfigDict) => unknown]> =>
    core.serialization.SerializationMap.getMap().classNameMap as never;

  /** An initializer or activation from its serialized form, through tfjs's registry. */
  const fromRegistry = <T>(spec: unknown, fallback: string): T => {
    const s = (typeof spec === 'string' ? { className: spec, config: {} } : (spec ?? { className: fallback, config: {} })) as { className: string; config?: ConfigDict };
    const entry = registry()[s.className];
    if (entry === undefined) throw new Error(`Unknown ${fallback === 'linear' ? 'activation' : 'initializer'}: ${s.className}`);
    return entry[1](entry[0], s.config ?? {}) as T;
  };
  const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

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
      this.activation = fromRegistry(this.activationSpec, 'linear');
    }

    override build(inputShape: Shape | Shape[]): void {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      const channels = Number(shape[shape.length - 1]);
      const [kh, kw] = this.kernelSize;
      this.kernel = this.addWeight('kernel', [kh, kw, channels / this.groups, this.filters], 'float32', fromRegistry(this.kernelInitializerSpec, 'GlorotUniform'));
      if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', fromRegistry(this.biasInitializerSpec, 'Zeros'));
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      const out = [1, 2].map((axis, i) => {
        const n = shape[axis];
        if (n === null || n === undefined) return null;
        const span = (this.kernelSize[i]! - 1) * this.dilationRate[i]! + 1;
        return this.padding === 'same' ? Math.ceil(n / this.strides[i]!) : Math.ceil((n - span + 1) / this.strides[i]!);
      });
      return [shape[0] ?? null, out[0]!, out[1]!, this.filters];
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return core.tidy(() => {
        const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as Tensor4D;
        const kernel = this.kernel!.read() as Tensor4D;
        const channels = x.shape[3];
        const [kh, kw] = this.kernelSize;
        let y: Tensor;
        if (channels === this.groups) {
          // One input channel per group: a depthwise convolution with multiplier filters / channels.
          const depthwise = core.reshape(kernel, [kh, kw, channels, this.filters / channels]) as Tensor4D;
          y = core.depthwiseConv2d(x, depthwise, this.strides, this.padding, 'NHWC', this.dilationRate);
        } else {
          const xs = core.split(x, this.groups, 3);
          const ks = core.split(kernel, this.groups, 3);
          y = core.concat(xs.map((xi, g) => core.conv2d(xi as Tensor4D, ks[g] as Tensor4D, this.strides, this.padding, 'NHWC', this.dilationRate)), 3);
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

  core.serialization.registerClass(KerasGroupedConv2D as never);
}
