/**
 * `CheckpointView`: TensorFlow's `tf.train.CheckpointView`, node for node. Node ids are the object graph's; the
 * root is node 0. `match` and `diff` take live objects (see ./trackable.ts for what their children are) and return
 * those same objects, compared by identity.
 */
import { InvalidArgumentError, NotObjectBasedError } from '../errors';
import { logger } from '../logger';
import { type OpenOptions, readObjectGraph } from './checkpoint_reader';
import { OBJECT_GRAPH_PROTO_KEY, type ObjectGraph, type SlotVariableReference, StoredObjectGraph, type TrackableObject } from './object_graph';
import { TrackableView } from './trackable';
import { valueSourceOpenerFor, withValueSource } from './value_source';

export interface MatchOptions {
  /** The view to read live children through (one is made for the object otherwise). */
  view?: TrackableView;
}

function describe(obj: unknown): string {
  if (obj === null || typeof obj !== 'object') return String(obj);
  const name = (obj as { name?: unknown }).name;
  const ctor = (obj as object).constructor?.name ?? 'Object';
  return typeof name === 'string' ? `<${ctor} '${name}'>` : `<${ctor}>`;
}

export class CheckpointView {
  /** Node access that leaves a stored graph's other nodes undecoded. */
  private readonly nodeAt: (id: number) => TrackableObject | undefined;
  readonly numNodes: number;

  private constructor(readonly objectGraph: ObjectGraph) {
    if (objectGraph instanceof StoredObjectGraph) {
      this.numNodes = objectGraph.size;
      this.nodeAt = (id) => objectGraph.node(id);
    } else {
      this.numNodes = objectGraph.nodes.length;
      this.nodeAt = (id) => objectGraph.nodes[id];
    }
  }

  /**
   * Opens the checkpoint at `savePath` and reads its object graph. A checkpoint without one fails with
   * NotObjectBasedError carrying TensorFlow's ValueError text.
   */
  static async open(savePath: string, options: OpenOptions = {}): Promise<CheckpointView> {
    // Files another writer laid out (Keras's HDF5) come with their own graph.
    const graph = valueSourceOpenerFor(savePath) ? await withValueSource(savePath, options, (s) => s.objectGraph()) : await readObjectGraph(savePath, options);
    if (graph === null) {
      throw new NotObjectBasedError(
        `The specified checkpoint "${savePath}" does not appear to be object-based (saved with TF2) since it is ` +
          `missing the key "${OBJECT_GRAPH_PROTO_KEY}". Likely it was created with the TF1 name-based saver and does ` +
          'not contain an object dependency graph.',
        { file: savePath, key: OBJECT_GRAPH_PROTO_KEY },
      );
    }
    return new CheckpointView(graph);
  }

  /** A view of an already decoded object graph. */
  static fromObjectGraph(graph: ObjectGraph): CheckpointView {
    return new CheckpointView(graph);
  }

  /** The node's proto data (children, attributes, slot variables, …). */
  node(nodeId: number): TrackableObject {
    const node = Number.isInteger(nodeId) && nodeId >= 0 && nodeId < this.numNodes ? this.nodeAt(nodeId) : undefined;
    if (node === undefined) {
      throw new InvalidArgumentError(`Node ${nodeId} does not exist: the object graph has ${this.numNodes} nodes`);
    }
    return node;
  }

  /**
   * name → node id of the node's children, in checkpoint order. A Map, because a JS object would reorder
   * integer-like names; a repeated name keeps its first position and its last id, as TF's dict does.
   */
  children(nodeId: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const child of this.node(nodeId).children) out.set(child.localName, child.nodeId);
    return out;
  }

  /** Node ids reachable from the root through children, breadth first, the root first. */
  descendants(): number[] {
    return [...this.descendantsWithPaths().keys()];
  }

  /**
   * node id → TensorFlow's path string for it (`root.model.layer-0`, first discovery wins, names not escaped).
   * Slot-variable nodes are not reachable through children and so are absent, as in TensorFlow.
   */
  descendantsWithPaths(): Map<number, string> {
    const paths = new Map<number, string>([[0, 'root']]);
    const queue = [0];
    for (let head = 0; head < queue.length; head++) {
      const id = queue[head]!;
      for (const child of this.nodeAt(id)!.children) {
        if (child.nodeId === 0 || paths.has(child.nodeId)) continue;
        queue.push(child.nodeId);
        paths.set(child.nodeId, `${paths.get(id)!}.${child.localName}`);
      }
    }
    return paths;
  }

  /** Slot references of every optimizer node: [optimizer node id, reference]. */
  slotVariables(): Array<[number, SlotVariableReference]> {
    const out: Array<[number, SlotVariableReference]> = [];
    for (let id = 0; id < this.numNodes; id++) for (const s of this.nodeAt(id)!.slotVariables) out.push([id, s]);
    return out;
  }

  /**
   * node id → live object for every checkpoint node that has a counterpart under `obj` at the same names, in
   * the order TensorFlow assigns them. Logs TensorFlow's warning when two checkpoint paths to one node reach two
   * different live objects.
   */
  match(obj: unknown, options: MatchOptions = {}): Map<number, unknown> {
    const view = options.view ?? new TrackableView(obj as object);
    if (!view.isTrackable(obj)) {
      throw new InvalidArgumentError(`Expected a Trackable, got ${describe(obj)} of type ${typeof obj}.`);
    }
    const overlapping = new Map<number, object>([[0, obj]]);
    const queue: Array<[number, object]> = [[0, obj]];
    const visited = new Set<number>();
    for (let head = 0; head < queue.length; head++) {
      const [nodeId, trackable] = queue[head]!;
      const live = view.children(trackable);
      for (const [name, childId] of this.children(nodeId)) {
        if (visited.has(childId) || childId === 0) continue;
        const candidate = live.get(name);
        if (candidate === undefined) continue;
        const assigned = overlapping.get(childId);
        if (assigned === undefined) {
          overlapping.set(childId, candidate);
          queue.push([childId, candidate]);
        } else if (assigned !== candidate) {
          logger().warn(
            'Inconsistent references when matching the checkpoint into this object graph. The referenced objects ' +
              `are: (${describe(assigned)} and ${describe(candidate)}).`,
          );
        }
      }
      visited.add(nodeId);
    }
    return overlapping;
  }

  /**
   * [match(obj), node ids only in the checkpoint (in descendants() order), live objects only under `obj` (in
   * TrackableView's BFS order)].
   */
  diff(obj: unknown, options: MatchOptions = {}): [Map<number, unknown>, number[], unknown[]] {
    const view = options.view ?? new TrackableView(obj as object);
    const matched = this.match(obj, { view });
    const onlyInCheckpoint = this.descendants().filter((id) => !matched.has(id));
    const matchedObjects = new Set(matched.values());
    const onlyInTrackable = view.descendants().filter((o) => !matchedObjects.has(o));
    return [matched, onlyInCheckpoint, onlyInTrackable];
  }
}
