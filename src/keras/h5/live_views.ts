/**
 * A live tfjs model seen with the names Keras's HDF5 writers give its parts, so that the generic restore binds
 * the file's graph (see weights_graph.ts) to it. The views are plain objects listing children; their leaves are
 * the model's own LayerVariables and the optimizer's value holders, which is what values are restored into.
 *
 *  Keras 3 (saving_lib): model → `layers` (each layer named by its class in snake_case, `dense`, `dense_1`, … in
 *  the order of model.layers), `vars` (the model's own variables: none in tfjs) and `optimizer`; a layer → `vars`
 *  (its own variables: trainable then non-trainable, in creation order) and its sub-objects: `cell` (RNNs),
 *  `forward_layer`/`backward_layer` (Bidirectional), `layer` (wrappers), `query_dense`, `key_dense`, …
 *  (MultiHeadAttention), nested models as models; optimizer →
 *  `vars` (iterations, learning rate, then each trained variable's slots).
 *
 *  Keras 2 (legacy .h5): model → `layer_with_weights-K` → `vars` (all of the layer's weights, in Keras order);
 *  `optimizer` as above.
 */
import { InvalidArgumentError } from '../../errors';
import { trackableChildren, TrackableView } from '../../graph';
import {
  isLayer,
  isLayersModel,
  isOptimizer,
  type LayerLike,
  type LayersModelLike,
  type OptimizerLike,
} from '../../trackable';
import { inferOptimizerVariables, optimizerState } from '../trackables';
import type { KerasWeightsLayout } from './weights_graph';

type Entries = Array<[string, unknown]>;

/** A node of a view: an object that lists its children (identity matters: one per live object and name). */
function node(children: () => Entries): object {
  let cached: Entries | null = null;
  return { [trackableChildren]: () => (cached ??= children()) };
}

/** Keras's `naming.to_snake_case`, which saving_lib applies to a layer's class name. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** saving_lib's names for a list of objects: the snake-case class name, then `_1`, `_2`, … for repeats. */
export function containerNames(classNames: readonly string[]): string[] {
  const used = new Map<string, number>();
  return classNames.map((cls) => {
    const base = toSnakeCase(cls);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return n === undefined ? base : `${base}_${n + 1}`;
  });
}

/**
 * The Keras class name of a tfjs layer: its class name, except for functional models and the package's own classes
 * named `Keras<Name>` (KerasGRU: Keras's GRU, which tfjs's GRU cannot represent), which stand for Keras's `<Name>`.
 */
export function kerasClassName(layer: LayerLike): string {
  const cls = layer.getClassName();
  // tfjs calls a functional model `Model`; Keras 3 `Functional`.
  if (cls === 'Model') return 'Functional';
  return /^Keras[A-Z]/.test(cls) ? cls.slice('Keras'.length) : cls;
}

/** The sub-layers Keras 3 tracks as attributes, under their attribute names. */
function subLayers(layer: LayerLike): Entries {
  const l = layer as unknown as Record<string, unknown>;
  if (isLayer(l['cell'])) return [['cell', l['cell']]];
  if (isLayer(l['forwardLayer']) && isLayer(l['backwardLayer'])) {
    return [
      ['backward_layer', l['backwardLayer']],
      ['forward_layer', l['forwardLayer']],
    ];
  }
  if (isLayer(l['layer'])) return [['layer', l['layer']]];
  return ATTENTION_SUBLAYERS.filter(([prop]) => isLayer(l[prop])).map(([prop, attr]): [string, unknown] => [
    attr,
    l[prop],
  ]);
}

/** MultiHeadAttention's projections (the package's Keras layer keeps them under these tfjs-style names). */
const ATTENTION_SUBLAYERS: ReadonlyArray<readonly [string, string]> = [
  ['queryDense', 'query_dense'],
  ['keyDense', 'key_dense'],
  ['valueDense', 'value_dense'],
  ['outputDense', 'output_dense'],
];

function requireBuilt(layer: LayerLike): void {
  if (!layer.built && layer.weights.length === 0) {
    throw new InvalidArgumentError(
      `Cannot restore Keras weights into layer ${layer.name}: the layer has no weights yet (it is not built). Build ` +
        'the model first — give its first layer an inputShape, call model.build(), or run it once — then restore.',
      { key: layer.name },
    );
  }
}

/**
 * The names of `layers` in a file's `layers` group. saving_lib names them by class and position; when the file
 * recorded a layer under the live layer's name (a model built from the same config), that entry is used, which
 * also covers tfjs classes whose names are not Keras's (a Keras Sequential nested in a model loads as a functional
 * model). The other layers take the class-and-position names left free.
 */
function layerGroupNames(layers: readonly LayerLike[], recorded: ReadonlyMap<string, string> | undefined): string[] {
  const byPosition = containerNames(layers.map(kerasClassName));
  const byName = layers.map((l) => recorded?.get(l.name));
  const taken = new Set(byName.filter((n): n is string => n !== undefined));
  return byPosition.map((positional, i) => byName[i] ?? (taken.has(positional) ? `(unnamed ${i})` : positional));
}

class Keras3Views {
  private readonly views = new Map<object, object>();

  constructor(private readonly recordedNames: ReadonlyMap<string, ReadonlyMap<string, string>>) {}

  model(model: LayersModelLike, optimizer: OptimizerLike | undefined, path = ''): object {
    return this.once(model, () =>
      node(() => {
        const layers = model.layers;
        const layersPath = path === '' ? 'layers' : `${path}/layers`;
        const names = layerGroupNames(layers, this.recordedNames.get(layersPath));
        const out: Entries = [
          [
            'layers',
            node(() =>
              layers.map((l, i): [string, unknown] => [
                names[i] ?? `(unnamed ${i})`,
                this.layer(l, `${layersPath}/${names[i] ?? `(unnamed ${i})`}`),
              ]),
            ),
          ],
          ['vars', []],
        ];
        if (optimizer !== undefined) out.push(['optimizer', optimizerView(optimizer)]);
        return out;
      }),
    );
  }

  layer(layer: LayerLike, path: string): object {
    if (isLayersModel(layer)) return this.model(layer, undefined, path);
    return this.once(layer, () =>
      node(() => {
        requireBuilt(layer);
        const subs = subLayers(layer);
        // A layer that delegates to sub-layers owns none of their variables.
        const own = subs.length > 0 ? [] : [...layer.weights];
        return [
          ...subs.map(([name, sub]): [string, unknown] => [name, this.layer(sub as LayerLike, `${path}/${name}`)]),
          ['vars', own],
        ];
      }),
    );
  }

  private once(obj: object, make: () => object): object {
    let v = this.views.get(obj);
    if (v === undefined) this.views.set(obj, (v = make()));
    return v;
  }
}

function optimizerView(optimizer: OptimizerLike): object {
  return node(() => [['vars', optimizerState(optimizer).kerasVariables()]]);
}

function legacyView(model: LayersModelLike, optimizer: OptimizerLike | undefined): object {
  return node(() => {
    model.layers.forEach(requireBuilt);
    const out: Entries = model.layers
      .filter((l) => l.weights.length > 0)
      .map((l, k): [string, unknown] => [`layer_with_weights-${k}`, node(() => [['vars', [...l.weights]]])]);
    if (optimizer !== undefined) out.push(['optimizer', optimizerView(optimizer)]);
    return out;
  });
}

/**
 * The model a Keras weights file restores into, given what the caller passed: the model itself, or a trackable
 * holding one (a Checkpoint of `{ model }` or `{ root: model, optimizer }`), with the optimizer compiled into it or
 * tracked beside it.
 */
function modelAndOptimizer(obj: object): { model: LayersModelLike; optimizer: OptimizerLike | undefined } {
  if (isLayersModel(obj)) return { model: obj, optimizer: isOptimizer(obj.optimizer) ? obj.optimizer : undefined };
  const children = [...new TrackableView(obj).children(obj).values()];
  // A Checkpoint's positional root (`{ root: model }`) is the object its node 0 stands for.
  const root = (obj as { standsFor?: unknown }).standsFor;
  const models = isLayersModel(root) ? [root] : children.filter(isLayersModel);
  const [model] = models;
  if (model === undefined || models.length !== 1) {
    throw new InvalidArgumentError(
      `A Keras weights file restores into one model; the object given tracks ${models.length} models. Pass the model itself.`,
    );
  }
  const optimizer = isOptimizer(model.optimizer) ? model.optimizer : children.find(isOptimizer);
  if (optimizer !== undefined) inferOptimizerVariables(optimizer, model);
  return { model, optimizer };
}

/**
 * The view of `obj` whose names are those of a Keras weights file of `layout`; `recordedNames` are the layer names
 * the file recorded per `layers` group (see KerasWeightsGraph.layerNames).
 */
export function kerasLiveView(
  obj: object,
  layout: KerasWeightsLayout,
  recordedNames: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map(),
): object {
  const { model, optimizer } = modelAndOptimizer(obj);
  if (optimizer !== undefined) inferOptimizerVariables(optimizer, model);
  return layout === 'keras3' ? new Keras3Views(recordedNames).model(model, optimizer) : legacyView(model, optimizer);
}
