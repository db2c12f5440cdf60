/**
 * Keras model configs → the topology tfjs's `tf.models.modelFromJSON` builds.
 *
 * Keras 3 (`model.to_json()`, a `.keras` archive's config.json) differs from the Keras 2 form tfjs reads in its
 * graph encoding: inbound nodes are `{args, kwargs}` calls whose tensors are `__keras_tensor__` objects naming
 * `keras_history` [layer, node index, tensor index]; `input_layers`/`output_layers` may be one flat triple;
 * `keras.ops` calls appear as operations (`x + 3.0` is an `Add` of module keras.src.ops.numpy); masks are explicit
 * `mask` kwargs computed by a `NotEqual` operation. Layer configs are translated by layer_configs.ts.
 * Keras 2 / tf.keras JSON and tfjs model.json go through the same layer checks, so what tfjs cannot represent is
 * reported the same way. Everything unrepresentable is collected and thrown as one UnsupportedLayerError.
 */
import { InvalidArgumentError, type UnsupportedLayer, UnsupportedLayerError } from '../errors';
import type { KerasGeneration } from './activations';
import {
  asKerasTensor,
  isKerasObject,
  isObject,
  type Json,
  type JsonObject,
  type KerasObject,
  type KerasTensorRef,
  kerasGeneration,
  kerasObjects,
} from './keras_json';
import { translateLayer, type LayerTranslation } from './layer_configs';
import { KERAS_NUMPY_OP_CLASSES } from './stateless_layers';

/** The topology tfjs reads: Keras 2's `{class_name, config}` form. */
export interface TfjsTopology {
  class_name: string;
  config: JsonObject;
  keras_version?: string;
  backend?: string;
}

const NUMPY_OPS_MODULE = 'keras.src.ops.numpy';

/** A Keras node index of a layer → tfjs's. */
type NodeIndex = (layer: string, node: number) => number;

function isModel(layer: KerasObject): boolean {
  return layer.class_name === 'Functional' || layer.class_name === 'Model' || layer.class_name === 'Sequential';
}

/** Every `__keras_tensor__` in a node's args/kwargs, with the kwarg name it was passed as (null for positional). */
function tensorsOf(node: JsonObject): Array<{ ref: KerasTensorRef; kwarg: string | null }> {
  const out: Array<{ ref: KerasTensorRef; kwarg: string | null }> = [];
  const walk = (v: Json | undefined, kwarg: string | null): void => {
    const ref = asKerasTensor(v);
    if (ref) out.push({ ref, kwarg });
    else if (Array.isArray(v)) v.forEach((x) => walk(x, kwarg));
  };
  walk(node['args'], null);
  if (isObject(node['kwargs'])) for (const [k, v] of Object.entries(node['kwargs'])) walk(v, k);
  return out;
}

function nameOf(layer: KerasObject): string {
  const name = layer.name ?? layer.config?.['name'];
  return typeof name === 'string' ? name : name == null ? '?' : JSON.stringify(name);
}

/**
 * `NotEqual(x, 0)` operations that only compute the mask of an `Embedding(mask_zero=True)` reading the same `x`:
 * tfjs's Embedding computes and propagates that mask itself, so these operations and the `mask` kwargs naming
 * them are implied by the tfjs graph.
 */
function impliedMaskOps(layers: KerasObject[]): Set<string> {
  const embeddingInputs = new Set<string>();
  for (const l of layers) {
    if (l.class_name !== 'Embedding' || l.config?.['mask_zero'] !== true) continue;
    for (const node of l.inbound_nodes ?? [])
      if (isObject(node))
        for (const { ref } of tensorsOf(node)) embeddingInputs.add(`${ref.layer}/${ref.node}/${ref.tensor}`);
  }
  const candidates = new Set<string>();
  for (const l of layers) {
    if (l.class_name !== 'NotEqual' || l.module !== NUMPY_OPS_MODULE) continue;
    const node = l.inbound_nodes?.[0];
    if (!isObject(node) || (l.inbound_nodes?.length ?? 0) !== 1 || !Array.isArray(node['args'])) continue;
    const [x, zero] = node['args'];
    const ref = asKerasTensor(x);
    if (ref && zero === 0 && embeddingInputs.has(`${ref.layer}/${ref.node}/${ref.tensor}`)) candidates.add(nameOf(l));
  }
  // Only if nothing reads them other than as a mask.
  for (const l of layers) {
    for (const node of l.inbound_nodes ?? []) {
      if (!isObject(node)) continue;
      for (const { ref, kwarg } of tensorsOf(node)) if (kwarg !== 'mask') candidates.delete(ref.layer);
    }
  }
  return candidates;
}

class Translator implements LayerTranslation {
  readonly problems: UnsupportedLayer[] = [];

  constructor(readonly generation: KerasGeneration) {}

  nestedModel(model: KerasObject): KerasObject {
    return this.model(model) as unknown as KerasObject;
  }

  model(model: KerasObject): TfjsTopology {
    if (model.class_name === 'Sequential') return this.sequential(model);
    return this.functional(model);
  }

  private sequential(model: KerasObject): TfjsTopology {
    const cfg = model.config ?? {};
    const layers: Array<{ class_name: string; config: JsonObject }> = [];
    for (const layer of kerasObjects(cfg['layers'])) {
      const t = translateLayer(layer, this);
      if (t !== null) layers.push(t);
    }
    const first = layers[0];
    if (first !== undefined && first.class_name !== 'InputLayer' && !('batch_input_shape' in first.config)) {
      // Keras records a Sequential's input shape in build_config when no InputLayer is listed.
      const built = isObject(model.build_config) ? model.build_config['input_shape'] : cfg['build_input_shape'];
      if (Array.isArray(built)) first.config['batch_input_shape'] = built;
    }
    return { class_name: 'Sequential', config: { name: cfg['name'] ?? nameOf(model), layers: layers } };
  }

  private functional(model: KerasObject): TfjsTopology {
    const cfg = model.config ?? {};
    const layers = kerasObjects(cfg['layers']);
    const implied = this.generation === 'keras3' ? impliedMaskOps(layers) : new Set<string>();
    // A tfjs model's node 0 is its own graph, so calls of a nested model count from 1; Keras 3's count from 0.
    const shift = this.generation === 'keras3' ? new Set(layers.filter(isModel).map(nameOf)) : new Set<string>();
    const nodeIndex: NodeIndex = (layer, node) => (shift.has(layer) ? node + 1 : node);
    const out: Json[] = [];
    for (const layer of layers) {
      const name = nameOf(layer);
      if (implied.has(name)) continue;
      const translated = this.layerInGraph(layer, implied, nodeIndex);
      if (translated !== null) out.push(translated);
    }
    return {
      class_name: 'Functional',
      config: {
        name: cfg['name'] ?? nameOf(model),
        layers: out,
        input_layers: triples(cfg['input_layers'], nodeIndex),
        output_layers: triples(cfg['output_layers'], nodeIndex),
      },
    };
  }

  /** A functional model's layer entry: its translated config and its inbound nodes in tfjs's form. */
  private layerInGraph(layer: KerasObject, impliedMasks: Set<string>, nodeIndex: NodeIndex): JsonObject | null {
    const name = nameOf(layer);
    const opClass = layer.module === NUMPY_OPS_MODULE ? KERAS_NUMPY_OP_CLASSES[layer.class_name] : undefined;
    let translated: { class_name: string; config: JsonObject } | null;
    if (layer.module === NUMPY_OPS_MODULE) {
      if (opClass === undefined) {
        this.problems.push({
          name,
          className: layer.class_name,
          reason: `keras.ops.${layer.class_name} has no tfjs equal`,
        });
        return null;
      }
      translated = { class_name: 'KerasNumpyOp', config: { name, trainable: false, op: opClass, operands: [] } };
    } else {
      translated = translateLayer(layer, this);
      if (translated === null) return null;
      if (isModel(layer)) translated = { class_name: translated.class_name, config: translated.config };
    }
    const nodes: Json[] = [];
    for (const node of layer.inbound_nodes ?? []) {
      if (Array.isArray(node))
        nodes.push(node); // Keras 2: already tfjs's form
      else if (isObject(node)) {
        const converted = this.node(layer, node, impliedMasks, translated, nodeIndex);
        if (converted === null) return null;
        nodes.push(converted);
      }
    }
    return { class_name: translated.class_name, config: translated.config, name, inbound_nodes: nodes };
  }

  /** One Keras 3 call → tfjs's list of [layer, node, tensor, kwargs] inputs. */
  private node(
    layer: KerasObject,
    node: JsonObject,
    impliedMasks: Set<string>,
    translated: { class_name: string; config: JsonObject },
    nodeIndex: NodeIndex,
  ): Json[] | null {
    const name = nameOf(layer);
    const fail = (reason: string): null => {
      this.problems.push({ name, className: layer.class_name, reason });
      return null;
    };
    const inputs: KerasTensorRef[] = [];
    const constants: Array<number | null> = [];
    const args = Array.isArray(node['args']) ? node['args'] : [];
    const positional = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
    for (const a of positional) {
      const ref = asKerasTensor(a);
      if (ref) {
        inputs.push(ref);
        constants.push(null);
      } else if (typeof a === 'number' && translated.class_name === 'KerasNumpyOp') constants.push(a);
      else return fail(`positional argument ${JSON.stringify(a)} tfjs cannot pass`);
    }
    if (layer.module === NUMPY_OPS_MODULE) translated.config['operands'] = constants;
    const kwargs: JsonObject = {};
    for (const [k, v] of Object.entries(isObject(node['kwargs']) ? node['kwargs'] : {})) {
      const ref = asKerasTensor(v);
      if (v === null) continue;
      if (k === 'mask') {
        if (ref && impliedMasks.has(ref.layer)) continue;
        return fail('an explicit mask tensor (tfjs propagates only the masks its layers compute)');
      }
      if (k === 'training') {
        if (v === false) continue;
        return fail(`training=${JSON.stringify(v)} in the call (tfjs predicts in inference mode)`);
      }
      if (ref) {
        // MultiHeadAttention(query, value, key=…): tfjs takes [query, value, key].
        if (layer.class_name === 'MultiHeadAttention' && (k === 'value' || k === 'key')) {
          inputs.push(ref);
          continue;
        }
        return fail(`tensor argument ${k} tfjs cannot pass`);
      }
      if (asContainsTensor(v)) return fail(`argument ${k} holds tensors tfjs cannot pass`);
      kwargs[k] = v;
    }
    if (inputs.length === 0) return fail('a call without tensor inputs');
    return inputs.map((r) => [r.layer, nodeIndex(r.layer, r.node), r.tensor, kwargs]);
  }
}

function asContainsTensor(v: Json): boolean {
  if (asKerasTensor(v)) return true;
  if (Array.isArray(v)) return v.some(asContainsTensor);
  if (isObject(v)) return Object.values(v).some(asContainsTensor);
  return false;
}

/** `input_layers`/`output_layers`: Keras 3 writes one flat [name, node, tensor] for a single tensor. */
function triples(v: Json | undefined, nodeIndex: NodeIndex): Json[] {
  if (!Array.isArray(v)) return [];
  const list = typeof v[0] === 'string' ? [v] : v;
  return list.map((t) =>
    Array.isArray(t) && typeof t[0] === 'string' ? [t[0], nodeIndex(t[0], Number(t[1] ?? 0)), ...t.slice(2)] : t,
  );
}

/** A parsed JSON document: a model config, or a wrapper holding one (tfjs model.json's `modelTopology`). */
function modelConfigOf(json: unknown): KerasObject {
  if (isObject(json) && isObject(json['modelTopology'])) {
    const topology = json['modelTopology'];
    return (isKerasObject(topology['model_config']) ? topology['model_config'] : topology) as KerasObject;
  }
  if (isObject(json) && isKerasObject(json['model_config'])) return json['model_config'];
  if (isKerasObject(json)) return json;
  throw new InvalidArgumentError(
    'Not a Keras model config (no class_name/config) nor a tfjs model.json (no modelTopology)',
  );
}

/**
 * Translates a Keras 3 `model.to_json()` / `.keras` config.json, a Keras 2 / tf.keras JSON or a tfjs model.json
 * topology into the topology `tf.models.modelFromJSON({modelTopology})` builds. Pure: builds nothing, needs no tfjs.
 * Throws one UnsupportedLayerError listing every layer or argument tfjs cannot represent.
 *
 * @example
 * {@includeCode ../../examples/keras_model.ts#kerasToTfjsTopology}
 */
export function kerasToTfjsTopology(json: unknown): TfjsTopology {
  const parsed = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  const model = modelConfigOf(parsed);
  const translator = new Translator(kerasGeneration(model));
  const topology = translator.model(model);
  if (translator.problems.length > 0) throw new UnsupportedLayerError(translator.problems);
  return { ...topology, keras_version: 'tfjs-checkpoint', backend: 'tensor_flow.js' };
}

/**
 * Keras 3 checkpoints name a functional model's layers by their place in its operations (`_operations/I`), which
 * counts operations tfjs has no layer for. For the model and every nested functional model (by name): the names
 * in Keras's operation order, the model's own name first.
 */
export function kerasOperationOrder(json: unknown): Map<string, string[]> {
  const parsed = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  const out = new Map<string, string[]>();
  const walk = (model: KerasObject): void => {
    const layers = kerasObjects(model.config?.['layers']);
    const name = model.config?.['name'];
    if (model.class_name !== 'Sequential') out.set(typeof name === 'string' ? name : nameOf(model), layers.map(nameOf));
    for (const l of layers) if (isModel(l)) walk(l);
  };
  walk(modelConfigOf(parsed));
  return out;
}
