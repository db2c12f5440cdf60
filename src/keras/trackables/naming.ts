/**
 * tfjs-layers models and layers as trackables, with the child names TensorFlow/Keras write:
 *
 *  model (Keras 2): for each layer i of model.layers: `layer_with_weights-K` (K counts layers that have weights)
 *                   then `layer-I`; Sequential.layers omits the InputLayer, functional models include it — as in
 *                   both Keras and tfjs;
 *  model (Keras 3): functional `_operations/I`; Sequential `_functional/_operations/I`, where operation 0 is the
 *                   InputLayer;
 *  every model:     each layer also under its own name (subclassed Keras models use attribute names: name the
 *                   tfjs layers alike), and `optimizer` once compiled;
 *  layer:           each weight under its Keras name (`kernel`, `bias`, `gamma`, `moving_mean`, `embeddings`,
 *                   `recurrent_kernel`, …; Keras 3 spells Dense/Conv/Embedding weights `_kernel`/`_embeddings`,
 *                   accepted too); RNN layers `cell`; Bidirectional `forward_layer`/`backward_layer`; wrappers
 *                   such as TimeDistributed `layer`.
 * Each object is listed once per name; several names for one object are fine, since matching is by identity.
 */
import { isLayer, isOptimizer, type LayerLike, type LayersModelLike } from '../../trackable';
import { inferOptimizerVariables } from './optimizers';

/** Keras's name of a weight: the last segment of its tfjs originalName (`dense_Dense1/kernel` → `kernel`). */
export function kerasWeightName(originalName: string): string {
  return originalName.slice(originalName.lastIndexOf('/') + 1);
}

/** Keras 3 keeps these behind a private attribute (for LoRA and quantization). */
const KERAS3_PRIVATE = new Set(['kernel', 'embeddings']);

/** Weights Keras 3 tracks under another attribute than Keras 2 and tfjs name them, by layer class. */
const KERAS3_RENAMED: Record<string, Record<string, string>> = {
  DepthwiseConv2D: { depthwise_kernel: 'kernel' },
};

/**
 * Which names to list: one Keras layout (what a save writes) or every name Keras ever used (what a restore
 * accepts, so that checkpoints of either layout find their objects).
 */
export type KerasNames = 'keras2' | 'keras3' | 'all';

/** The checkpoint children of one kind of layer, for kinds the generic rules below do not fit. */
export type LayerChildrenProvider = (layer: LayerLike, names: KerasNames) => Array<[string, unknown]>;

const layerChildrenProviders = new Map<string, LayerChildrenProvider>();

/**
 * Names the checkpoint children of layers of class `className` (tfjs's getClassName()), for layers whose Keras
 * counterparts keep sublayers or name weights by attribute (framework adapters such as src/keras register these).
 */
export function registerLayerChildren(className: string, provider: LayerChildrenProvider): void {
  layerChildrenProviders.set(className, provider);
}

/** A layer's children under Keras's names. */
export function layerChildren(layer: LayerLike, names: KerasNames): Array<[string, unknown]> {
  const provider = layerChildrenProviders.get(layer.getClassName());
  if (provider !== undefined) return provider(layer, names);
  const l = layer as unknown as Record<string, unknown>;
  if (isLayer(l['cell'])) return [['cell', l['cell']]];
  if (isLayer(l['forwardLayer']) && isLayer(l['backwardLayer'])) {
    return [
      ['forward_layer', l['forwardLayer']],
      ['backward_layer', l['backwardLayer']],
    ];
  }
  if (isLayer(l['layer'])) return [['layer', l['layer']]];
  // Keras 3's RNN cells keep their public names.
  const isCell = layer.getClassName().endsWith('Cell');
  const out: Array<[string, unknown]> = [];
  const renamed = KERAS3_RENAMED[layer.getClassName()] ?? {};
  for (const w of layer.weights) {
    const name = kerasWeightName(w.originalName);
    const keras3Name = renamed[name];
    if (keras3Name !== undefined) {
      if (names !== 'keras3') out.push([name, w]);
      if (names !== 'keras2') out.push([keras3Name, w]);
      continue;
    }
    const private3 = KERAS3_PRIVATE.has(name) && !isCell;
    if (names !== 'keras3' || !private3) out.push([name, w]);
    if (names !== 'keras2' && private3) out.push([`_${name}`, w]);
  }
  return out;
}

/**
 * Stand-ins for Keras 3 containers that tfjs has no object for, kept per model so identities stay stable across
 * listings. WeakMaps here and below: the data belongs to tfjs models, which this package must not add fields to,
 * and goes with them.
 */
const keras3Views = new WeakMap<object, { operations: unknown[]; functional: object }>();

/** Keras 3's operation list of a functional model, when it counts operations tfjs has no layer for. */
const kerasOperations = new WeakMap<object, readonly unknown[]>();

/**
 * Declares a model's Keras 3 operations in Keras's order (`_operations/I`), with a placeholder for each operation
 * that has no tfjs layer (a `NotEqual` computing a mask, …). Used by loaders that build a model from a Keras config.
 */
export function setKerasOperations(model: object, operations: readonly unknown[]): void {
  kerasOperations.set(model, operations);
  keras3Views.delete(model);
}

function isInputLayer(layer: unknown): boolean {
  return isLayer(layer) && layer.getClassName() === 'InputLayer';
}

/**
 * The model's layers as Keras lists them (`model.layers`): a tfjs Sequential built with an explicit
 * `tf.layers.inputLayer` lists that InputLayer first, Keras's Sequential never does.
 */
export function kerasLayers(model: LayersModelLike): readonly LayerLike[] {
  const layers = model.layers;
  return model.getClassName() === 'Sequential' && isInputLayer(layers[0]) ? layers.slice(1) : layers;
}

function inputLayerOf(model: LayersModelLike): unknown {
  if (isInputLayer(model.layers[0])) return model.layers[0];
  const m = model as unknown as { inputLayers?: unknown[]; model?: { layers?: unknown[] } };
  return m.inputLayers?.[0] ?? m.model?.layers?.[0] ?? {};
}

function keras3View(model: LayersModelLike): { operations: unknown[]; functional: object } {
  let view = keras3Views.get(model);
  if (view === undefined) {
    const sequential = model.getClassName() === 'Sequential';
    // Operation 0 is the InputLayer in both Keras 3 layouts; tfjs's functional models list it, Sequential does not.
    const declared = kerasOperations.get(model);
    const operations =
      declared !== undefined
        ? [...declared]
        : sequential
          ? [inputLayerOf(model), ...kerasLayers(model)]
          : [...model.layers];
    view = { operations, functional: { _operations: operations } };
    keras3Views.set(model, view);
  }
  return view;
}

/** A model's children under Keras's names, and `optimizer` once compiled. */
export function modelChildren(model: LayersModelLike, names: KerasNames): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  if (names !== 'keras3') {
    let withWeights = 0;
    kerasLayers(model).forEach((layer, i) => {
      if (layer.weights.length > 0) out.push([`layer_with_weights-${withWeights++}`, layer]);
      out.push([`layer-${i}`, layer]);
    });
  }
  const k3 = keras3View(model);
  const sequential = model.getClassName() === 'Sequential';
  if (names === 'all') {
    // Both Keras 3 spellings, whatever kind the tfjs model is: a Keras Sequential checkpoint then restores into a
    // tfjs functional model and the other way round; and each layer by its name (subclassed Keras models).
    out.push(['_functional', k3.functional], ['_operations', k3.operations]);
    for (const layer of kerasLayers(model)) out.push([layer.name, layer]);
  } else if (names === 'keras3') {
    out.push(sequential ? ['_functional', k3.functional] : ['_operations', k3.operations]);
  }
  if (isOptimizer(model.optimizer)) {
    // A compiled model's optimizer updates the model's trainable weights: that is its slot order.
    inferOptimizerVariables(model.optimizer, model);
    out.push(['optimizer', model.optimizer]);
  }
  return out;
}

/**
 * Keras 2 before TF 2.4 counted a Sequential model's InputLayer as `layer-0`, shifting every `layer-I` by one.
 * Given a model's children in a checkpoint (name → node id), returns the live child for a checkpoint name under
 * the layout that checkpoint uses: the shift is read off the node that `layer_with_weights-0` and some `layer-I`
 * share.
 */
export function kerasLayerNameResolver(
  model: LayersModelLike,
  checkpointChildren: ReadonlyMap<string, number>,
  live: ReadonlyMap<string, object>,
): (name: string) => object | undefined {
  const firstWeighted = checkpointChildren.get('layer_with_weights-0');
  const layers = kerasLayers(model);
  const liveFirst = layers.findIndex((l) => l.weights.length > 0);
  let shift = 0;
  if (firstWeighted !== undefined && liveFirst >= 0) {
    for (const [name, id] of checkpointChildren) {
      const m = /^layer-(\d+)$/.exec(name);
      if (m && id === firstWeighted) shift = Number(m[1]) - liveFirst;
    }
  }
  if (shift === 0) return (name) => live.get(name);
  const inputLayer = keras3View(model).operations[0];
  return (name) => {
    const m = /^layer-(\d+)$/.exec(name);
    if (!m) return live.get(name);
    const i = Number(m[1]) - shift;
    const layer: unknown = i < 0 ? (i === -1 ? inputLayer : undefined) : layers[i];
    return typeof layer === 'object' && layer !== null ? layer : undefined;
  };
}
