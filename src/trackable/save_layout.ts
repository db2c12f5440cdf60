/**
 * What a save writes for tfjs objects. Restoring accepts every name Keras ever used; saving must pick one layout:
 *  - 'keras2' (default): what tf_keras `save_weights` and TF ≤ 2.15 write and read — `layer_with_weights-K` and
 *    `layer-I` edges, weights under `kernel`, `bias`, …, legacy optimizer (`iter`, hyper-parameters, slot variables);
 *  - 'keras3': what Keras 3 on TensorFlow writes with tf.train.Checkpoint — `_functional/_operations/I` (Sequential)
 *    or `_operations/I`, `_kernel`/`_embeddings`, optimizer `_iterations`, `_learning_rate`, `_variables` and slot lists.
 * Objects that are not tfjs models, layers or optimizers keep their ordinary children.
 */
import { kerasWeightName } from './layers';
import { inferOptimizerVariables, optimizerState } from './optimizers';
import { isLayer, isLayersModel, isOptimizer, type LayerLike, type LayersModelLike, type OptimizerLike } from './tfjs_types';

export type KerasLayout = 'keras2' | 'keras3';

const KERAS3_PRIVATE = new Set(['kernel', 'embeddings']);

function layerSaveChildren(layer: LayerLike, layout: KerasLayout): Array<[string, unknown]> {
  const l = layer as unknown as Record<string, unknown>;
  if (isLayer(l['cell'])) return [['cell', l['cell']]];
  if (isLayer(l['forwardLayer']) && isLayer(l['backwardLayer'])) {
    return [['forward_layer', l['forwardLayer']], ['backward_layer', l['backwardLayer']]];
  }
  if (isLayer(l['layer'])) return [['layer', l['layer']]];
  const isCell = layer.getClassName().endsWith('Cell');
  return layer.weights.map((w): [string, unknown] => {
    const name = kerasWeightName(w.originalName);
    return [layout === 'keras3' && KERAS3_PRIVATE.has(name) && !isCell ? `_${name}` : name, w];
  });
}

/** Stable stand-ins for Keras 3 containers, so a save sees one object per container. */
const keras3Containers = new WeakMap<object, { functional: object; operations: unknown[] }>();

function keras3Of(model: LayersModelLike): { functional: object; operations: unknown[] } {
  let c = keras3Containers.get(model);
  if (!c) {
    const m = model as unknown as { inputLayers?: unknown[] };
    const sequential = model.getClassName() === 'Sequential';
    const operations = sequential ? [m.inputLayers?.[0] ?? {}, ...model.layers] : [...model.layers];
    c = { functional: { _operations: operations }, operations };
    keras3Containers.set(model, c);
  }
  return c;
}

function modelSaveChildren(model: LayersModelLike, layout: KerasLayout): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  if (layout === 'keras2') {
    let k = 0;
    model.layers.forEach((layer, i) => {
      if (layer.weights.length > 0) out.push([`layer_with_weights-${k++}`, layer]);
      out.push([`layer-${i}`, layer]);
    });
  } else {
    const c = keras3Of(model);
    out.push(model.getClassName() === 'Sequential' ? ['_functional', c.functional] : ['_operations', c.operations]);
  }
  if (isOptimizer(model.optimizer)) {
    // A compiled model's optimizer updates the model's trainable weights: that is its slot order.
    inferOptimizerVariables(model.optimizer, model);
    out.push(['optimizer', model.optimizer]);
  }
  return out;
}

/** Legacy Keras hyper-parameters each tfjs optimizer class saves, in Keras's order (after `iter`). */
const LEGACY_HYPER: Record<string, string[]> = {
  Adam: ['beta_1', 'beta_2', 'decay', 'learning_rate'],
  Momentum: ['decay', 'learning_rate', 'momentum'],
  SGD: ['decay', 'learning_rate'],
  RMSProp: ['decay', 'learning_rate', 'momentum', 'rho'],
  Adagrad: ['decay', 'learning_rate'],
  Adadelta: ['decay', 'learning_rate', 'rho'],
  Adamax: ['beta_1', 'beta_2', 'decay', 'learning_rate'],
};

function optimizerSaveChildren(optimizer: OptimizerLike, layout: KerasLayout): Array<[string, unknown]> {
  const state = optimizerState(optimizer);
  const live = new Map(state.children());
  const pick = (names: string[]): Array<[string, unknown]> => names.filter((n) => live.has(n)).map((n) => [n, live.get(n)]);
  if (layout === 'keras2') return pick(['iter', ...(LEGACY_HYPER[optimizer.getClassName()] ?? ['learning_rate'])]);
  return state.keras3SaveChildren();
}

/** The children a save writes for `obj`, or null when its ordinary children apply. */
export function saveChildrenOf(obj: object, layout: KerasLayout): Array<[string, unknown]> | null {
  if (isLayersModel(obj)) return modelSaveChildren(obj, layout);
  if (isLayer(obj)) return layerSaveChildren(obj, layout);
  if (isOptimizer(obj)) return optimizerSaveChildren(obj, layout);
  return null;
}
