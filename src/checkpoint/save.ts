/**
 * Writing TF2 checkpoints from live tfjs objects, as TensorFlow writes them:
 *  - node ids in breadth-first order over children in tracking order, root = 0; each node lists all its
 *    children, including edges to nodes met before (shared objects, `root` → 0);
 *  - checkpoint keys from the first path to each object (`a/b/.ATTRIBUTES/VARIABLE_VALUE`, names escaped);
 *  - optimizer slot variables (Keras 2 layout) appended as nodes after the BFS ones and referenced from the
 *    optimizer's `slot_variables`, keyed `{variable}/.OPTIMIZER_SLOT/{optimizer}/{slot}/.ATTRIBUTES/VARIABLE_VALUE`;
 *  - `has_checkpoint_values` on every node; values in node order, the object graph last.
 * The files reach the disk through checkpoint_files.ts, in the order that keeps the previous checkpoint whole.
 */
import { at, got } from '../checked';
import { type BundleEncodeOptions, encodeBundle, type TensorToWrite, type TensorValue } from '../bundle';
import { InvalidArgumentError } from '../errors';
import {
  attributeKey,
  encodeObjectGraph,
  OBJECT_GRAPH_PROTO_KEY,
  type ObjectGraph,
  objectPath,
  slotVariablePath,
  type TrackableObject,
  TrackableView,
} from '../graph';
import type { FileSystem } from '../io';
import { isOptimizer, type KerasLayout, optimizerState, restorablesOf, saveChildrenOf, tryLoadTfjsCore } from '../trackable';
import { floatToBfloat16Bits, floatToHalfBits } from '../bundle/float_bits';

export interface SaveOptions {
  /** How tfjs models and optimizers are named: 'keras2' (default, what tf_keras and TF ≤ 2.15 read) or 'keras3'. */
  layout?: KerasLayout;
  /** Store float32 values as float16 or bfloat16 (smaller files; TensorFlow restores them into such variables). */
  float32As?: 'float32' | 'float16' | 'bfloat16';
  /** Spread values over several data files of at most about this many bytes each. */
  maxShardSize?: number;
  /** Where to write; the local file system under Node by default. */
  fs?: FileSystem;
}

/** Objects that list different children when saved (the Checkpoint, whose root stands in for node 0). */
export interface SaveChildren {
  saveChildren(childrenOf: (obj: object) => Array<[string, object]>): Array<[string, object]>;
  /** The object node 0 stands for (a Checkpoint's positional root), so edges back to it point at node 0. */
  readonly standsFor?: object | undefined;
}

function hasSaveChildren(obj: object): obj is SaveChildren {
  return typeof (obj as Partial<SaveChildren>).saveChildren === 'function';
}

const OBJECT_CONFIG_JSON = 'OBJECT_CONFIG_JSON';

function fullNameOf(obj: object): string {
  const o = obj as { originalName?: unknown; name?: unknown };
  if (typeof o.originalName === 'string') return o.originalName;
  return typeof o.name === 'string' ? o.name : '';
}

interface PendingValue {
  key: string;
  read: () => Promise<TensorValue>;
}

/** The object graph and the values to store for the tree under `root`. */
export function planSave(root: object, layout: KerasLayout): { graph: ObjectGraph; values: PendingValue[] } {
  const view = new TrackableView(root);
  const childrenOf = (obj: object): Array<[string, object]> => {
    if (hasSaveChildren(obj)) return obj.saveChildren(childrenOf);
    const special = saveChildrenOf(obj, layout);
    if (special === null) return [...view.children(obj)];
    return special.filter((e): e is [string, object] => view.isTrackable(e[1]));
  };

  const ids = new Map<object, number>([[root, 0]]);
  const standIn = hasSaveChildren(root) ? root.standsFor : undefined;
  if (standIn !== undefined) ids.set(standIn, 0);
  const order: object[] = [root];
  const paths: string[][] = [[]];
  const childLists: Array<Array<[string, object]>> = [];
  for (let i = 0; i < order.length; i++) {
    const children = childrenOf(at(order, i, 'objects'));
    childLists.push(children);
    for (const [name, child] of children) {
      if (!ids.has(child)) {
        ids.set(child, order.length);
        order.push(child);
        paths.push([...at(paths, i, 'paths'), name]);
      }
    }
  }

  const values: PendingValue[] = [];
  const nodes: Array<{ children: TrackableObject['children']; attributes: TrackableObject['attributes']; slotVariables: TrackableObject['slotVariables'] }> =
    order.map((obj, i) => {
      const path = objectPath(at(paths, i, 'paths'));
      const attributes = [...(restorablesOf(obj) ?? [])]
        .filter(([name]) => name !== OBJECT_CONFIG_JSON)
        .map(([name, r]) => {
          const key = attributeKey(path, name);
          values.push({ key, read: () => r.read() });
          return { name, fullName: fullNameOf(obj), checkpointKey: key, optionalRestore: false };
        });
      return { children: at(childLists, i, 'child lists').map(([localName, c]) => ({ nodeId: got(ids, c, 'node ids'), localName })), attributes, slotVariables: [] };
    });

  if (layout === 'keras2') {
    order.forEach((obj, optimizerId) => {
      if (!isOptimizer(obj)) return;
      const optPath = objectPath(at(paths, optimizerId, 'paths'));
      for (const { slotName, slots } of optimizerState(obj).legacySlots()) {
        // Each slot with the node id of its variable, for the variables that are in the graph.
        const placed = slots
          .flatMap((slot) => {
            const variableId = ids.get(slot.variable);
            return variableId === undefined ? [] : [{ slot, variableId }];
          })
          .sort((a, b) => a.variableId - b.variableId);
        for (const { slot, variableId } of placed) {
          const key = attributeKey(slotVariablePath(objectPath(at(paths, variableId, 'paths')), optPath, slotName), 'VARIABLE_VALUE');
          values.push({ key, read: () => slot.read() });
          const slotId = nodes.length;
          nodes.push({
            children: [],
            attributes: [
              { name: 'VARIABLE_VALUE', fullName: `${obj.getClassName()}/${fullNameOf(slot.variable)}/${slotName}`, checkpointKey: key, optionalRestore: false },
            ],
            slotVariables: [],
          });
          (at(nodes, optimizerId, 'nodes').slotVariables as TrackableObject['slotVariables'][number][]).push({
            originalVariableNodeId: variableId,
            slotName,
            slotVariableNodeId: slotId,
          });
        }
      }
    });
  }

  // has_checkpoint_values: the node, or something reachable from it, holds values (fixpoint over cycles).
  const hasValues = nodes.map((n) => n.attributes.length > 0 || n.slotVariables.length > 0);
  for (let changed = true; changed; ) {
    changed = false;
    nodes.forEach((n, i) => {
      if (!hasValues[i] && n.children.some((c) => hasValues[c.nodeId])) {
        hasValues[i] = true;
        changed = true;
      }
    });
  }
  const graph: ObjectGraph = {
    nodes: nodes.map((n, i) => ({ ...n, registeredSaver: null, hasCheckpointValues: at(hasValues, i, 'has-values flags') })),
  };
  return { graph, values };
}

function storeFloat32As(value: TensorValue, as: SaveOptions['float32As']): TensorValue {
  if (value.dtype !== 'float32' || as === undefined || as === 'float32') return value;
  const convert = as === 'float16' ? floatToHalfBits : floatToBfloat16Bits;
  const bits = Uint16Array.from(value.data, (v) => convert(v));
  return { dtype: as, shape: value.shape, data: bits };
}

/** Encodes the checkpoint of the tree under `root` (values read now). */
export async function encodeCheckpoint(
  root: object,
  options: SaveOptions = {},
  avoidShardCounts: ReadonlySet<number> = new Set(),
): Promise<ReturnType<typeof encodeBundle>> {
  await tryLoadTfjsCore();
  const { graph, values } = planSave(root, options.layout ?? 'keras2');
  const tensors: TensorToWrite[] = [];
  for (const v of values) tensors.push({ key: v.key, value: storeFloat32As(await v.read(), options.float32As) });
  tensors.push({ key: OBJECT_GRAPH_PROTO_KEY, value: { dtype: 'string', shape: [], data: [encodeObjectGraph(graph)] } });
  const encode: BundleEncodeOptions = {};
  let numShards = 1;
  if (options.maxShardSize !== undefined) {
    if (!(options.maxShardSize > 0)) throw new InvalidArgumentError(`maxShardSize must be positive, got ${options.maxShardSize}`);
    let shard = 0;
    let used = 0;
    for (const t of tensors) {
      const size = t.value.dtype === 'string' ? t.value.data.reduce((n, b) => n + b.length + 10, 4) : t.value.data.byteLength;
      if (used > 0 && used + size > options.maxShardSize) {
        shard++;
        used = 0;
      }
      t.shard = shard;
      used += size;
    }
    numShards = shard + 1;
  }
  // Data files are named after the shard count: a count that no file under this prefix uses yet gives the new
  // data files names of their own, so they can land beside the current checkpoint's without touching them. The
  // extra shards stay empty.
  while (avoidShardCounts.has(numShards)) numShards++;
  encode.numShards = numShards;
  return encodeBundle(tensors, encode);
}
