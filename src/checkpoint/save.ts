/**
 * Writing TF2 checkpoints from live tfjs objects, as TensorFlow writes them:
 *  - node ids in breadth-first order over children in tracking order, root = 0; each node lists all its
 *    children, including edges to nodes met before (shared objects, `root` → 0);
 *  - checkpoint keys from the first path to each object (`a/b/.ATTRIBUTES/VARIABLE_VALUE`, names escaped);
 *  - slot variables that objects' adapters ask for (optimizers) appended as nodes after the BFS ones and referenced from the
 *    optimizer's `slot_variables`, keyed `{variable}/.OPTIMIZER_SLOT/{optimizer}/{slot}/.ATTRIBUTES/VARIABLE_VALUE`;
 *  - `has_checkpoint_values` on every node; values in node order, the object graph last.
 * The files reach the disk through checkpoint_files.ts, in the order that keeps the previous checkpoint whole.
 */
import {
  type BundleEncodeOptions,
  encodeBundle,
  floatToBfloat16Bits,
  floatToHalfBits,
  type TensorToWrite,
  type TensorValue,
} from '../bundle';
import { InvalidArgumentError } from '../errors';
import {
  attributeKey,
  type ChildListing,
  encodeObjectGraph,
  OBJECT_GRAPH_PROTO_KEY,
  type ObjectGraph,
  objectPath,
  type SavedSlot,
  type SaveLayout,
  slotVariablePath,
  type TrackableObject,
  TrackableView,
} from '../graph';
import type { FileSystem } from '../io';
import { OBJECT_CONFIG_JSON, type Restorable, restorablesOf, tryLoadTfjsCore, VARIABLE_VALUE } from '../trackable';

/**
 * Options of {@link Checkpoint.write}, {@link Checkpoint.save} and {@link CheckpointManager}: naming, storage dtype,
 * shard size, and where to write.
 */
export interface SaveOptions {
  /** The naming layout framework adapters write (ChildListing.layout); each adapter documents its layouts. */
  layout?: SaveLayout;
  /** Store float32 values as float16 or bfloat16 (smaller files; TensorFlow restores them into such variables). */
  float32As?: 'float32' | 'float16' | 'bfloat16';
  /** Spread values over several data files of at most about this many bytes each. */
  maxShardSize?: number;
  /** Where to write; the local file system under Node by default. */
  fs?: FileSystem;
}

/** What a save starts from: the object node 0 is, and optionally another object edges to which also mean node 0. */
export interface SaveRoot {
  readonly object: object;
  /** A Checkpoint's positional root, which node 0 stands for (TF's `tf.train.Checkpoint(model)`). */
  readonly standsFor?: object | undefined;
}

function fullNameOf(obj: object): string {
  const o = obj as { originalName?: unknown; name?: unknown };
  if (typeof o.originalName === 'string') return o.originalName;
  return typeof o.name === 'string' ? o.name : '';
}

interface PendingValue {
  key: string;
  read: () => Promise<TensorValue>;
}

/** The objects of a save in node order, with the first path to each and each one's children. */
interface GatheredObjects {
  readonly view: TrackableView;
  readonly order: object[];
  readonly ids: Map<object, number>;
  readonly paths: string[][];
  readonly childLists: Array<Array<[string, object]>>;
}

type NodeDraft = Pick<TrackableObject, 'children' | 'attributes'> & {
  slotVariables: Array<TrackableObject['slotVariables'][number]>;
};

/** Step 1: every object reachable from the root, breadth first as TensorFlow numbers them (root = 0). */
function gatherObjects(root: SaveRoot, listing: ChildListing): GatheredObjects {
  const view = new TrackableView(root.object, listing);
  const ids = new Map<object, number>([[root.object, 0]]);
  if (root.standsFor !== undefined) ids.set(root.standsFor, 0);
  const order: object[] = [root.object];
  const paths: string[][] = [[]];
  const childLists: Array<Array<[string, object]>> = [];
  for (let i = 0; i < order.length; i++) {
    const current = order[i] as object;
    const children = [...view.children(current)];
    childLists.push(children);
    for (const [name, child] of children) {
      if (!ids.has(child)) {
        ids.set(child, order.length);
        order.push(child);
        paths.push([...(paths[i] ?? []), name]);
      }
    }
  }
  return { view, order, ids, paths, childLists };
}

/** Step 2: one node per object, with its children by id and its values keyed by its first path. */
function draftNodes(g: GatheredObjects, values: PendingValue[]): NodeDraft[] {
  return g.order.map((obj, i) => {
    const path = objectPath(g.paths[i] ?? []);
    const attributes = [...(restorablesOf(obj) ?? [])]
      .filter(([name]) => name !== OBJECT_CONFIG_JSON)
      .map(([name, r]) => {
        const key = attributeKey(path, name);
        values.push({ key, read: () => r.read() });
        return { name, fullName: fullNameOf(obj), checkpointKey: key, optionalRestore: false };
      });
    const children = (g.childLists[i] ?? []).map(([localName, c]) => ({ nodeId: g.ids.get(c) ?? 0, localName }));
    return { children, attributes, slotVariables: [] };
  });
}

/** The value holder of a slot: its VARIABLE_VALUE restorable. */
function slotValue(slot: SavedSlot): Restorable {
  const r = restorablesOf(slot.value)?.get(VARIABLE_VALUE);
  if (r === undefined) throw new InvalidArgumentError(`The slot ${slot.fullName} has no ${VARIABLE_VALUE} to save`);
  return r;
}

/**
 * Step 3: the slot variables objects' adapters ask for (optimizers), appended as nodes after the breadth-first
 * ones and referenced from their optimizer's `slot_variables`: grouped by slot name, each group in variable node
 * order; slots of variables the save does not reach are left out.
 */
function addSlotVariables(g: GatheredObjects, nodes: NodeDraft[], values: PendingValue[], listing: ChildListing): void {
  g.order.forEach((obj, optimizerId) => {
    const slots = g.view.adapterOf(obj)?.savedSlots?.(obj, listing) ?? [];
    if (slots.length === 0) return;
    const optPath = objectPath(g.paths[optimizerId] ?? []);
    const groups = new Map<string, Array<{ slot: SavedSlot; variableId: number }>>();
    for (const slot of slots) {
      const variableId = g.ids.get(slot.variable);
      let group = groups.get(slot.slotName);
      if (group === undefined) groups.set(slot.slotName, (group = []));
      if (variableId !== undefined) group.push({ slot, variableId });
    }
    for (const [slotName, group] of groups) {
      group.sort((a, b) => a.variableId - b.variableId);
      for (const { slot, variableId } of group) {
        const key = attributeKey(
          slotVariablePath(objectPath(g.paths[variableId] ?? []), optPath, slotName),
          VARIABLE_VALUE,
        );
        const value = slotValue(slot);
        values.push({ key, read: () => value.read() });
        const slotId = nodes.length;
        nodes.push({
          children: [],
          attributes: [{ name: VARIABLE_VALUE, fullName: slot.fullName, checkpointKey: key, optionalRestore: false }],
          slotVariables: [],
        });
        nodes[optimizerId]?.slotVariables.push({
          originalVariableNodeId: variableId,
          slotName,
          slotVariableNodeId: slotId,
        });
      }
    }
  });
}

/** Step 4: has_checkpoint_values: the node, or something reachable from it, holds values (fixpoint over cycles). */
function markValues(nodes: readonly NodeDraft[]): ObjectGraph {
  const hasValues = nodes.map((n) => n.attributes.length > 0 || n.slotVariables.length > 0);
  for (let changed = true; changed;) {
    changed = false;
    nodes.forEach((n, i) => {
      if (!hasValues[i] && n.children.some((c) => hasValues[c.nodeId])) {
        hasValues[i] = true;
        changed = true;
      }
    });
  }
  return { nodes: nodes.map((n, i) => ({ ...n, registeredSaver: null, hasCheckpointValues: hasValues[i] ?? false })) };
}

/** The object graph and the values to store for the tree under `root` (gather, draft, add slots, mark). */
export function planSave(root: SaveRoot, listing: ChildListing): { graph: ObjectGraph; values: PendingValue[] } {
  const gathered = gatherObjects(root, listing);
  const values: PendingValue[] = [];
  const nodes = draftNodes(gathered, values);
  addSlotVariables(gathered, nodes, values, listing);
  return { graph: markValues(nodes), values };
}

function storeFloat32As(value: TensorValue, as: SaveOptions['float32As']): TensorValue {
  if (value.dtype !== 'float32' || as === undefined || as === 'float32') return value;
  const convert = as === 'float16' ? floatToHalfBits : floatToBfloat16Bits;
  const bits = Uint16Array.from(value.data, (v) => convert(v));
  return { dtype: as, shape: value.shape, data: bits };
}

/** Encodes the checkpoint of the tree under `root` (values read now). */
export async function encodeCheckpoint(
  root: SaveRoot,
  options: SaveOptions = {},
  avoidShardCounts: ReadonlySet<number> = new Set(),
): Promise<ReturnType<typeof encodeBundle>> {
  await tryLoadTfjsCore();
  const { graph, values } = planSave(root, { mode: 'save', layout: options.layout });
  const tensors: TensorToWrite[] = [];
  for (const v of values) tensors.push({ key: v.key, value: storeFloat32As(await v.read(), options.float32As) });
  tensors.push({
    key: OBJECT_GRAPH_PROTO_KEY,
    value: { dtype: 'string', shape: [], data: [encodeObjectGraph(graph)] },
  });
  const encode: BundleEncodeOptions = {};
  let numShards = 1;
  if (options.maxShardSize !== undefined) {
    if (!(options.maxShardSize > 0))
      throw new InvalidArgumentError(`maxShardSize must be positive, got ${options.maxShardSize}`);
    let shard = 0;
    let used = 0;
    for (const t of tensors) {
      const size =
        t.value.dtype === 'string' ? t.value.data.reduce((n, b) => n + b.length + 10, 4) : t.value.data.byteLength;
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
