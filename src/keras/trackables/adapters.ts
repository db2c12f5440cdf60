/**
 * The Keras adapters: tfjs-layers models, layers and their weights, and tfjs optimizers, seen with the names and
 * conventions Keras writes. Restore and save consult them only through the TrackableAdapter hooks, so the rest of
 * the package names no framework.
 */
import { type ChildListing, NO_CHILDREN, type StoredValueInfo, type TrackableAdapter } from '../../graph';
import {
  isLayer,
  isLayersModel,
  isLayerVariable,
  isOptimizer,
  type LayerLike,
  type LayersModelLike,
  type OptimizerLike,
  shapeMismatch,
} from '../../trackable';
import { kerasLayerNameResolver, layerChildren, modelChildren } from './naming';
import { inferOptimizerVariables, optimizerState } from './optimizers';
import { kerasNamesFor } from './save_layout';

/** Whether a listing is for a legacy (Keras 2) save, which lists only the legacy optimizer fields. */
function isLegacySave(listing: ChildListing): boolean {
  return listing.mode === 'save' && kerasNamesFor(listing) === 'keras2';
}

export const kerasModelAdapter: TrackableAdapter = {
  name: 'tfjs LayersModel (Keras names)',
  matches: isLayersModel,
  children: (obj, listing) => modelChildren(obj as LayersModelLike, kerasNamesFor(listing)),
  resolveChild: (obj, checkpointChildren, listed) =>
    kerasLayerNameResolver(obj as LayersModelLike, checkpointChildren, listed),
  unready: (obj) => layerUnready(obj as LayerLike),
};

export const kerasLayerAdapter: TrackableAdapter = {
  name: 'tfjs Layer (Keras names)',
  matches: (obj) => isLayer(obj) && !isLayersModel(obj),
  children: (obj, listing) => layerChildren(obj as LayerLike, kerasNamesFor(listing)),
  unready: (obj) => layerUnready(obj as LayerLike),
};

/** tfjs leaves `built` false on some layers that have weights (Bidirectional's halves): weights are what count. */
function layerUnready(layer: LayerLike): string | null {
  if (layer.built || layer.weights.length > 0) return null;
  return (
    `layer ${layer.name}: the layer has no weights yet (it is not built). Build the model first — give its first layer an ` +
    'inputShape, call model.build(), or run it once — then restore.'
  );
}

/** A [2, 3·units] checkpoint bias for a [3·units] tfjs GRU bias: Keras's reset_after=True layout. */
function isResetAfterGruBias(name: string, stored: readonly number[], live: readonly number[]): boolean {
  return (
    /gru[^/]*\/bias$/i.test(name) &&
    stored.length === 2 &&
    stored[0] === 2 &&
    live.length === 1 &&
    stored[1] === live[0]
  );
}

/** Layer weights: leaves, whose values a Keras GRU's reset_after bias cannot fill (see checkValue). */
export const kerasLayerVariableAdapter: TrackableAdapter = {
  name: 'tfjs LayerVariable',
  matches: isLayerVariable,
  children: () => NO_CHILDREN,
  checkValue(obj, stored: StoredValueInfo, live: StoredValueInfo, path) {
    const name = isLayerVariable(obj) ? obj.originalName : '';
    if (!isResetAfterGruBias(name, stored.shape, live.shape)) return;
    throw shapeMismatch(
      stored.shape,
      live.shape,
      path,
      'This is the bias of a Keras GRU with reset_after=True (the Keras default), shaped [2, 3*units]; ' +
        "tfjs's GRU implements only reset_after=False and cannot represent these weights. Use this package's " +
        'KerasGRU layer (registered on import; className "KerasGRU"), which runs Keras\'s GRU with these weights.',
    );
  },
};

export const kerasOptimizerAdapter: TrackableAdapter = {
  name: 'tfjs Optimizer (Keras names)',
  matches: isOptimizer,
  children: (obj, listing) => optimizerState(obj as OptimizerLike).childrenFor(kerasNamesFor(listing)),
  bind: (obj, checkpointChildren) => optimizerState(obj as OptimizerLike).readConventions(checkpointChildren),
  slotFor: (obj, slotName, variable) => optimizerState(obj as OptimizerLike).slotFor(slotName, variable),
  savedSlots: (obj, listing) => (isLegacySave(listing) ? optimizerState(obj as OptimizerLike).savedSlots() : []),
  trackedWith(obj, siblings) {
    // An optimizer beside the model it trains (compiled into it, or the only model there) updates its weights.
    const models = siblings.filter(isLayersModel);
    const owner = models.find((m) => m.optimizer === obj) ?? (models.length === 1 ? models[0] : undefined);
    if (owner !== undefined) inferOptimizerVariables(obj, owner);
  },
};
