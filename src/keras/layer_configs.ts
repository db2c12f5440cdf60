/**
 * One Keras layer's `{class_name, config}` → the `{class_name, config}` tfjs's deserializer builds, in Keras 2's
 * snake_case spelling (tfjs camel-cases keys and string values itself). Every option tfjs does not have must hold
 * the value that makes it irrelevant; any other value is reported, never dropped.
 */
import type { UnsupportedLayer } from '../errors';
import { type KerasGeneration, tfjsActivationName } from './activations';
import { isKerasObject, isObject, type Json, type JsonObject, type KerasObject } from './keras_json';

/** Classes tfjs builds from Keras's config as it is (after the generic clean-up below). */
const TFJS_LAYERS = new Set([
  'Activation',
  'ActivityRegularization',
  'Add',
  'AlphaDropout',
  'Average',
  'AveragePooling1D',
  'AveragePooling2D',
  'AveragePooling3D',
  'BatchNormalization',
  'CategoryEncoding',
  'CenterCrop',
  'Concatenate',
  'Conv1D',
  'Conv2D',
  'Conv2DTranspose',
  'Conv3D',
  'Conv3DTranspose',
  'ConvLSTM2D',
  'Cropping2D',
  'Dense',
  'DepthwiseConv2D',
  'Dot',
  'Dropout',
  'ELU',
  'Embedding',
  'Flatten',
  'GaussianDropout',
  'GaussianNoise',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
  'GRU',
  'InputLayer',
  'LayerNormalization',
  'LeakyReLU',
  'LSTM',
  'Masking',
  'Maximum',
  'MaxPooling1D',
  'MaxPooling2D',
  'MaxPooling3D',
  'Minimum',
  'Multiply',
  'Permute',
  'PReLU',
  'ReLU',
  'RepeatVector',
  'Rescaling',
  'Reshape',
  'Resizing',
  'SeparableConv2D',
  'SimpleRNN',
  'Softmax',
  'SpatialDropout1D',
  'ThresholdedReLU',
  'UpSampling2D',
  'ZeroPadding2D',
  'Bidirectional',
  'TimeDistributed',
  // Registered by this package (src/keras/layers) under Keras's own names.
  'Normalization',
  'MultiHeadAttention',
  'LayerScale',
  'EinsumDense',
  'KerasGRU',
  // Registered by this package (stateless_layers.ts): met again in the model.json files `convert` writes.
  'KerasIdentity',
  'KerasGlobalPooling',
  'KerasNumpyOp',
  'KerasGroupedConv2D',
]);

/** Options tfjs lacks, with the only value each may hold. */
const MUST_BE: Record<string, Json> = {
  lora_rank: null,
  quantization_config: null,
  groups: 1,
  renorm: false,
  rms_scaling: false,
  sparse: false,
  ragged: false,
  optional: false,
};

/** Options with no effect on a restored model's predictions (randomness, kernels, bookkeeping): removed. */
const IRRELEVANT = new Set([
  'seed',
  'use_cudnn',
  'synchronized',
  'renorm_clipping',
  'renorm_momentum',
  'lora_alpha',
  'autocast',
  'zero_output_for_mask',
]);

const DTYPES = new Set(['float32', 'int32', 'bool', 'string']);

/** Keras initializer class names tfjs spells differently. */
const INITIALIZER_NAMES: Record<string, string> = {
  LecunNormal: 'LeCunNormal',
  LecunUniform: 'LeCunUniform',
  IdentityInitializer: 'Identity',
};
const INITIALIZERS = new Set([
  'Zeros',
  'Ones',
  'Constant',
  'RandomUniform',
  'RandomNormal',
  'TruncatedNormal',
  'Identity',
  'VarianceScaling',
  'GlorotUniform',
  'GlorotNormal',
  'HeNormal',
  'HeUniform',
  'LeCunNormal',
  'LeCunUniform',
  'Orthogonal',
]);
const CONSTRAINTS = new Set(['MaxNorm', 'UnitNorm', 'NonNeg', 'MinMaxNorm']);

export interface LayerTranslation {
  generation: KerasGeneration;
  problems: UnsupportedLayer[];
  /** Translates a model nested inside this one (Functional or Sequential). */
  nestedModel(model: KerasObject): KerasObject;
}

function problem(t: LayerTranslation, layer: KerasObject, reason: string): void {
  const name = layer.config?.['name'] ?? layer.name;
  t.problems.push({ name: typeof name === 'string' ? name : '?', className: layer.class_name, reason });
}

/** A Keras 3 object without its `module`/`registered_name` wrapper. */
function plainObject(obj: KerasObject): { class_name: string; config: JsonObject } {
  return { class_name: obj.class_name, config: { ...(obj.config ?? {}) } };
}

function translateInitializer(value: Json, onError: (reason: string) => void): Json {
  if (!isKerasObject(value)) return value;
  const name = INITIALIZER_NAMES[value.class_name] ?? value.class_name;
  if (!INITIALIZERS.has(name)) {
    onError(`initializer ${value.class_name} has no tfjs equal`);
    return null;
  }
  const config: JsonObject = {};
  for (const [k, v] of Object.entries(value.config ?? {})) if (k !== 'input_axes' && k !== 'output_axes') config[k] = v;
  return { class_name: name, config };
}

function translateRegularizer(value: Json, onError: (reason: string) => void): Json {
  if (!isKerasObject(value)) return value;
  const c = value.config ?? {};
  switch (value.class_name) {
    case 'L1':
      return { class_name: 'L1L2', config: { l1: c['l1'] ?? 0, l2: 0 } };
    case 'L2':
      return { class_name: 'L1L2', config: { l1: 0, l2: c['l2'] ?? 0 } };
    case 'L1L2':
      return { class_name: 'L1L2', config: { l1: c['l1'] ?? 0, l2: c['l2'] ?? 0 } };
    default:
      onError(`regularizer ${value.class_name} has no tfjs equal`);
      return null;
  }
}

function translateConstraint(value: Json, onError: (reason: string) => void): Json {
  if (!isKerasObject(value)) return value;
  if (!CONSTRAINTS.has(value.class_name)) {
    onError(`constraint ${value.class_name} has no tfjs equal`);
    return null;
  }
  return plainObject(value);
}

/** The generic part: dtype policies, initializer/regularizer/constraint objects, activations, options tfjs lacks. */
function cleanConfig(layer: KerasObject, t: LayerTranslation): JsonObject {
  const out: JsonObject = {};
  const fail = (reason: string): void => problem(t, layer, reason);
  for (const [key, value] of Object.entries(layer.config ?? {})) {
    if (IRRELEVANT.has(key)) continue;
    if (key === 'groups' && layer.class_name === 'Conv2D')
      out[key] = value; // KerasGroupedConv2D
    else if (key in MUST_BE) {
      const allowed = MUST_BE[key];
      if (value !== allowed && !(value == null && allowed === null))
        fail(`${key}=${JSON.stringify(value)} (tfjs supports only ${JSON.stringify(allowed)})`);
    } else if (key === 'dtype') {
      const name = isKerasObject(value) ? value.config?.['name'] : value;
      if (name === null || name === undefined) continue;
      if (typeof name !== 'string' || !DTYPES.has(name))
        fail(`dtype ${JSON.stringify(name)} (tfjs computes in float32, int32, bool or string)`);
      else out[key] = name;
    } else if (key.endsWith('_initializer')) out[key] = translateInitializer(value, fail);
    else if (key.endsWith('_regularizer')) out[key] = translateRegularizer(value, fail);
    else if (key.endsWith('_constraint')) out[key] = translateConstraint(value, fail);
    else if (key === 'activation' || key === 'recurrent_activation') {
      const name = tfjsActivationName(value, t.generation);
      if (name === null) fail(`activation ${JSON.stringify(value)} has no tfjs equal`);
      else out[key] = name;
    } else out[key] = value;
  }
  return out;
}

const GLOBAL_POOLING = /^Global(Average|Max)Pooling([123])D$/;

/** Translates one layer, or returns null (with problems recorded) when tfjs cannot represent it. */
export function translateLayer(
  layer: KerasObject,
  t: LayerTranslation,
): { class_name: string; config: JsonObject } | null {
  const cls = layer.class_name;
  if (cls === 'Functional' || cls === 'Model' || cls === 'Sequential')
    return t.nestedModel(layer) as { class_name: string; config: JsonObject };
  const before = t.problems.length;
  const registered = layer.registered_name;
  if (typeof registered === 'string' && registered !== cls) {
    problem(t, layer, `custom registered class ${registered} (tfjs only knows built-in Keras layers)`);
    return null;
  }
  if (
    typeof layer.module === 'string' &&
    !layer.module.startsWith('keras.layers') &&
    !layer.module.startsWith('keras.src.applications')
  ) {
    problem(t, layer, `class from module ${layer.module}`);
    return null;
  }
  const config = cleanConfig(layer, t);
  let className = cls;
  switch (cls) {
    case 'InputLayer':
      if ('batch_shape' in config) {
        config['batch_input_shape'] = config['batch_shape'];
        delete config['batch_shape'];
      }
      delete config['input_tensor'];
      break;
    case 'Conv2D':
      if ((config['groups'] ?? 1) !== 1) {
        className = 'KerasGroupedConv2D';
        if ((config['data_format'] ?? 'channels_last') !== 'channels_last')
          problem(t, layer, 'grouped convolution with data_format channels_first');
      } else delete config['groups'];
      break;
    case 'MultiHeadAttention': {
      // The input shapes Keras built the layer for (its weights' shapes depend on them).
      const shapes =
        isObject(layer.build_config) && isObject(layer.build_config['shapes_dict'])
          ? layer.build_config['shapes_dict']
          : {};
      for (const key of ['query_shape', 'value_shape', 'key_shape']) {
        const shape = shapes[key];
        if (shape !== undefined && config[key] === undefined) config[key] = shape;
      }
      break;
    }
    case 'LayerScale':
      // Keras's `init_values` is the contract's `initValue`.
      if ('init_values' in config) {
        config['init_value'] = config['init_values'];
        delete config['init_values'];
      }
      break;
    case 'ReLU':
      for (const k of ['negative_slope', 'threshold']) {
        if ((config[k] ?? 0) !== 0)
          problem(t, layer, `${k}=${JSON.stringify(config[k])} (tfjs's ReLU has only max_value)`);
        Reflect.deleteProperty(config, k);
      }
      break;
    case 'LeakyReLU':
      if ('negative_slope' in config) {
        config['alpha'] = config['negative_slope'];
        delete config['negative_slope'];
      }
      break;
    case 'GRU':
      if (config['reset_after'] === true) className = 'KerasGRU';
      else delete config['reset_after'];
      break;
    case 'Rescaling':
      if (typeof config['scale'] !== 'number' || typeof (config['offset'] ?? 0) !== 'number')
        problem(t, layer, 'per-channel scale/offset (tfjs takes numbers)');
      break;
    case 'Identity':
      className = 'KerasIdentity';
      break;
    case 'Subtract':
      return {
        class_name: 'KerasNumpyOp',
        config: {
          name: config['name'] ?? null,
          trainable: config['trainable'] ?? true,
          op: 'subtract',
          operands: [null, null],
        },
      };
    case 'Bidirectional':
    case 'TimeDistributed': {
      const inner = layer.config?.['layer'];
      const innerTranslated = isKerasObject(inner) ? translateLayer(inner, t) : null;
      if (innerTranslated === null) {
        if (!isKerasObject(inner)) problem(t, layer, 'no wrapped layer');
        return null;
      }
      config['layer'] = innerTranslated;
      if (cls === 'Bidirectional' && isKerasObject(config['backward_layer'])) {
        // tfjs always builds the backward layer as the forward one run backwards: accept only that.
        const backward = config['backward_layer'] as unknown as KerasObject;
        const strip = (c: JsonObject): string =>
          JSON.stringify({ ...c, name: null, go_backwards: null }, (k, v: unknown) =>
            k === 'shared_object_id' ? undefined : v,
          );
        if (
          !isKerasObject(inner) ||
          backward.class_name !== inner.class_name ||
          strip(backward.config ?? {}) !== strip(inner.config ?? {})
        ) {
          problem(t, layer, 'a backward layer that is not the forward layer run backwards');
        }
      }
      delete config['backward_layer'];
      break;
    }
    default: {
      const pooling = GLOBAL_POOLING.exec(cls);
      if (pooling) {
        const rank = Number(pooling[2]);
        if (config['keepdims'] === true || rank === 3) {
          className = 'KerasGlobalPooling';
          config['mode'] = pooling[1] === 'Max' ? 'max' : 'average';
          config['rank'] = rank;
          config['keepdims'] = config['keepdims'] === true;
        } else delete config['keepdims'];
      } else if (!TFJS_LAYERS.has(cls)) {
        problem(t, layer, cls === 'Lambda' ? 'Lambda layers hold Python code' : 'tfjs has no such layer');
        return null;
      }
    }
  }
  return t.problems.length > before ? null : { class_name: className, config };
}
