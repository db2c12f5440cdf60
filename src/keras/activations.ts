/**
 * Keras activations by name, as tfjs activation class names.
 *
 * tfjs resolves an activation by class name through its serialization registry, after camel-casing the snake_case
 * name written in the topology (`hard_silu` → `hardSilu`). Keras 3 renamed some activations and changed one:
 * its `hard_sigmoid` is relu6(x + 3) / 6, while Keras 2's (and tfjs's `hardSigmoid`) is clip(0.2x + 0.5, 0, 1).
 * So the translation depends on which Keras wrote the name.
 */
import type { TfRuntime } from './tfjs_runtime';

/** Which Keras wrote a config: `'keras2'` (tf_keras, TF ≤ 2.15) or `'keras3'` (TF ≥ 2.16). */
export type KerasGeneration = 'keras2' | 'keras3';

/** Keras activation name → the snake_case name written into the tfjs topology. */
const COMMON: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  elu: 'elu',
  selu: 'selu',
  sigmoid: 'sigmoid',
  softmax: 'softmax',
  softplus: 'softplus',
  softsign: 'softsign',
  tanh: 'tanh',
  mish: 'mish',
  swish: 'swish',
  silu: 'swish',
  gelu: 'gelu',
  exponential: 'exponential',
  log_softmax: 'log_softmax',
  leaky_relu: 'leaky_relu',
  hard_silu: 'hard_silu',
  hard_swish: 'hard_silu',
};

const BY_GENERATION: Record<KerasGeneration, Record<string, string>> = {
  keras2: { ...COMMON, hard_sigmoid: 'hard_sigmoid' },
  keras3: { ...COMMON, hard_sigmoid: 'relu6_hard_sigmoid' },
};

/**
 * The tfjs name for a Keras activation (a string, or a serialized function `{class_name: 'function', config:
 * 'gelu'}` / `{…, config: {approximate}}`), or null when tfjs has no equal.
 */
export function tfjsActivationName(activation: unknown, generation: KerasGeneration): string | null {
  if (activation === null || activation === undefined) return 'linear';
  if (typeof activation === 'string') return BY_GENERATION[generation][activation] ?? null;
  if (typeof activation === 'object') {
    const a = activation as { class_name?: unknown; config?: unknown };
    if (typeof a.config === 'string') return tfjsActivationName(a.config, generation);
    if (a.class_name === 'gelu' || (a.config as { name?: unknown } | undefined)?.name === 'gelu') {
      return (a.config as { approximate?: unknown } | undefined)?.approximate === true ? 'gelu_approximate' : 'gelu';
    }
  }
  return null;
}

let registered = false;

/** Registers the activations tfjs lacks (idempotent). */
export function registerActivations(tf: TfRuntime): void {
  if (registered) return;
  registered = true;
  const { core } = tf;
  type Tensor = import('@tensorflow/tfjs-core').Tensor;
  const define = (className: string, fn: (x: Tensor) => Tensor): void => {
    const cls = class extends core.serialization.Serializable {
      static className = className;
      apply(x: Tensor): Tensor {
        return core.tidy(() => fn(x));
      }
      getConfig(): Record<string, never> {
        return {};
      }
    };
    core.serialization.registerClass(cls);
  };
  const relu6Over6 = (x: Tensor): Tensor => core.div(core.relu6(core.add(x, 3)), 6);
  // Keras 3: relu6(x + 3) / 6 and x · relu6(x + 3) / 6.
  define('relu6HardSigmoid', relu6Over6);
  define('hardSilu', (x) => core.mul(x, relu6Over6(x)));
  // Keras's approximate gelu: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).
  define('geluApproximate', (x) =>
    core.mul(
      core.mul(0.5, x),
      core.add(1, core.tanh(core.mul(Math.sqrt(2 / Math.PI), core.add(x, core.mul(0.044715, core.pow(x, 3)))))),
    ),
  );
  define('exponential', (x) => core.exp(x));
  // Keras's default negative slope.
  define('leakyRelu', (x) => core.leakyRelu(x, 0.2));
}
