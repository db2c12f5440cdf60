/**
 * What a save writes for tfjs objects. Restoring accepts every name Keras ever used; saving must pick one layout:
 *  - 'keras2' (default): what tf_keras `save_weights` and TF ≤ 2.15 write and read — `layer_with_weights-K` and
 *    `layer-I` edges, weights under `kernel`, `bias`, …, legacy optimizer (`iter`, hyper-parameters, slot variables);
 *  - 'keras3': what Keras 3 on TensorFlow writes with tf.train.Checkpoint — `_functional/_operations/I` (Sequential)
 *    or `_operations/I`, `_kernel`/`_embeddings`, optimizer `_iterations`, `_learning_rate`, `_variables` and slot lists.
 * Objects that are not tfjs models, layers or optimizers keep their ordinary children.
 */
import { type KerasNames, layerChildren, modelChildren } from './layers';
import { optimizerState } from './optimizers';
import { isLayer, isLayersModel, isOptimizer, type OptimizerLike } from './tfjs_types';

/** Which Keras naming a saved checkpoint uses: `'keras2'` (tf_keras, TF ≤ 2.15) or `'keras3'`. */
export type KerasLayout = Exclude<KerasNames, 'all'>;

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
  if (isLayersModel(obj)) return modelChildren(obj, layout);
  if (isLayer(obj)) return layerChildren(obj, layout);
  if (isOptimizer(obj)) return optimizerSaveChildren(obj, layout);
  return null;
}
