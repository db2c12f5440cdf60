/**
 * The object graph of a Keras HDF5 weights file, so the restore machinery matches it against live objects the way
 * it matches TensorFlow checkpoints. Two layouts:
 *
 *  - Keras 3 (`.weights.h5`, `model.weights.h5` in a `.keras` archive): the file's groups are the tree that Keras's
 *    saving_lib walks (`layers/<snake_case class name>[_N]/…`, `optimizer`, `cell`, `forward_layer`, …); each
 *    object's own variables are the datasets `0`, `1`, … of its `vars` group. Groups become nodes, datasets leaf
 *    nodes holding one value: the graph is the file's tree as it is.
 *  - Keras 2 (`model.save('x.h5')`, `save_weights('x.h5')`): one group per layer listed in `layer_names`, its values
 *    listed in order by `weight_names`; Keras matches them, in order, to the model's layers that have weights.
 *    They become `layer_with_weights-K/vars/<i>`, and `optimizer_weights` becomes `optimizer/vars/<i>`.
 */
import { at } from '../../checked';
import { CorruptCheckpointError } from '../../errors';
import type { ObjectGraph, ObjectReference, TrackableObject } from '../../graph';
import { VARIABLE_VALUE } from '../../trackable';
import { datasetAt, type H5Group } from './hdf5_file';

/** How a Keras HDF5 weights file is laid out: Keras 3's `.weights.h5` tree, or legacy Keras 2 `.h5` lists. */
export type KerasWeightsLayout = 'keras3' | 'legacy';

export interface KerasWeightsGraph {
  readonly layout: KerasWeightsLayout;
  readonly graph: ObjectGraph;
  /** Dataset paths holding values, in node order. */
  readonly keys: readonly string[];
  /**
   * For each `layers` group of a Keras 3 file (by path): the layer name Keras recorded for each child (the `name`
   * attribute of its `vars` group) → the child's group name.
   */
  readonly layerNames: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

class GraphBuilder {
  readonly nodes: Array<{ children: ObjectReference[]; attributes: TrackableObject['attributes'] }> = [];
  readonly keys: string[] = [];

  add(): number {
    this.nodes.push({ children: [], attributes: [] });
    return this.nodes.length - 1;
  }

  child(parent: number, localName: string): number {
    const id = this.add();
    this.node(parent).children.push({ nodeId: id, localName });
    return id;
  }

  value(parent: number, localName: string, key: string): void {
    const id = this.child(parent, localName);
    this.node(id).attributes = [{ name: VARIABLE_VALUE, fullName: '', checkpointKey: key, optionalRestore: false }];
    this.keys.push(key);
  }

  private node(id: number): { children: ObjectReference[]; attributes: TrackableObject['attributes'] } {
    return at(this.nodes, id, 'weights graph nodes');
  }

  build(): ObjectGraph {
    return {
      nodes: this.nodes.map((n): TrackableObject => ({
        children: n.children,
        attributes: n.attributes,
        slotVariables: [],
        registeredSaver: null,
        hasCheckpointValues: null,
      })),
    };
  }
}

/** Dataset names `0`, `1`, … sort as text in HDF5 (`10` before `2`); Keras's order is numeric. */
function compareIndexNames(a: string, b: string): number {
  return /^\d+$/.test(a) && /^\d+$/.test(b) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0;
}

function addGroup(b: GraphBuilder, id: number, group: H5Group, layerNames: Map<string, Map<string, string>>): void {
  for (const [name, dataset] of [...group.datasets].sort(([a], [b]) => compareIndexNames(a, b)))
    b.value(id, name, dataset.path);
  for (const [name, sub] of group.groups) addGroup(b, b.child(id, name), sub, layerNames);
  if (group.path === 'layers' || group.path.endsWith('/layers')) {
    const names = new Map<string, string>();
    for (const [child, sub] of group.groups) {
      const recorded = sub.groups.get('vars')?.attrs()['name'];
      if (typeof recorded === 'string') names.set(recorded, child);
    }
    layerNames.set(group.path, names);
  }
}

/** `weight_names`/`layer_names` attributes: arrays of strings (h5py writes them variable- or fixed-length). */
function stringList(file: string, group: H5Group, attr: string): string[] {
  const v = group.attrs()[attr];
  if (v === undefined) return [];
  const list =
    typeof v === 'string'
      ? [v]
      : Array.isArray(v) || ArrayBuffer.isView(v)
        ? Array.from(v as ArrayLike<unknown>)
        : null;
  if (list === null || list.some((x) => typeof x !== 'string')) {
    // h5py writes an empty list as a float64 array of length 0.
    if (list !== null && list.length === 0) return [];
    throw new CorruptCheckpointError(`${file}: attribute ${attr} of ${group.path || '/'} is not a list of strings`, {
      file,
      key: group.path || '/',
    });
  }
  return list as string[];
}

function legacyValues(file: string, b: GraphBuilder, id: number, root: H5Group, group: H5Group, names: string[]): void {
  const vars = b.child(id, 'vars');
  names.forEach((name, i) => {
    const path = group.path === '' ? name : `${group.path}/${name}`;
    const rel = path.slice(root.path === '' ? 0 : root.path.length + 1);
    if (datasetAt(root, rel) === undefined) {
      throw new CorruptCheckpointError(`${file}: ${group.path || '/'} lists weight ${name}, which is not in the file`, {
        file,
        key: path,
      });
    }
    b.value(vars, String(i), path);
  });
}

/** Which layout the file has and its object graph. */
export function kerasWeightsGraph(root: H5Group, file: string): KerasWeightsGraph {
  const b = new GraphBuilder();
  const rootId = b.add();
  const modelWeights = root.groups.get('model_weights') ?? ('layer_names' in root.attrs() ? root : undefined);
  if (modelWeights === undefined) {
    const layerNames = new Map<string, Map<string, string>>();
    addGroup(b, rootId, root, layerNames);
    return { layout: 'keras3', graph: b.build(), keys: b.keys, layerNames };
  }
  let k = 0;
  for (const layerName of stringList(file, modelWeights, 'layer_names')) {
    const group = modelWeights.groups.get(layerName);
    if (group === undefined) {
      throw new CorruptCheckpointError(`${file}: layer ${layerName} is listed in layer_names but has no group`, {
        file,
        key: `${modelWeights.path}/${layerName}`,
      });
    }
    const names = stringList(file, group, 'weight_names');
    if (names.length > 0) legacyValues(file, b, b.child(rootId, `layer_with_weights-${k++}`), root, group, names);
  }
  // Keras 3 lists its optimizer's variables as Keras 3 orders them (iterations, learning rate, then each variable's
  // slots); Keras 2's legacy optimizers ordered slots by kind, an order tfjs cannot be told apart from, so their
  // state stays unrestored (reported) rather than being guessed.
  const version = textAttribute(modelWeights.attrs()['keras_version'] ?? root.attrs()['keras_version']);
  const optimizer = /^[3-9]\./.test(version) ? root.groups.get('optimizer_weights') : undefined;
  if (optimizer !== undefined) {
    const names = stringList(file, optimizer, 'weight_names');
    if (names.length > 0) legacyValues(file, b, b.child(rootId, 'optimizer'), root, optimizer, names);
  }
  return { layout: 'legacy', graph: b.build(), keys: b.keys, layerNames: new Map() };
}

/** A string attribute as text: jsfive gives a string, or a one-element array for a one-element dataspace. */
function textAttribute(value: unknown): string {
  const first: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' ? first : '';
}
