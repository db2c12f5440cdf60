/**
 * `CheckpointView`: TensorFlow's `tf.train.CheckpointView`, node for node. Node ids are the object graph's; the
 * root is node 0. `match` and `diff` take live objects (see ./live_objects.ts for what their children are) and return
 * those same objects, compared by identity.
 */
import { at, got } from '../checked';
import { InternalError, InvalidArgumentError, NotObjectBasedError } from '../errors';
import { logger } from '../logger';
import { type OpenOptions, readObjectGraph } from './checkpoint_reader';
import {
  isNodeId,
  noSuchNode,
  OBJECT_GRAPH_PROTO_KEY,
  type ObjectGraph,
  type SerializedTensor,
  type SlotVariableReference,
  StoredObjectGraph,
  type TrackableObject,
} from './object_graph';
import { describeLive, type TrackableAdapter, TrackableView } from './live_objects';
import { type ChildList, childrenByName, ReferenceList, SubList } from './children_by_name';
import { NodeBindings } from './node_bindings';
import { type ValueSource, valueSourceOpenerFor, withValueSource } from './value_source';

/** Options of {@link CheckpointView.match}. */
export interface MatchOptions {
  /** The view to read live children through (one is made for the object otherwise). */
  view?: TrackableView;
}

/**
 * Binds checkpoint nodes to the live objects under `root` breadth first by child name, as TensorFlow's
 * restore and CheckpointView.match do: node 0 is the root; a node's children are looked up among its object's
 * children (through the object's adapter's resolveChild hook when it has one); a node reached again through
 * another path keeps its first object, and `onInconsistent` hears when the other path found a different one.
 * `onExpand` is called once for each bound node that has children, before they are looked up: the place for
 * per-object checks and adapter hooks. Leaves (most nodes: the variables) have nothing to bind, so their live
 * children are never listed. Returns node id → live object in binding order.
 */
export function matchBreadthFirst(
  view: CheckpointView,
  root: object,
  live: TrackableView,
  onInconsistent: (assigned: object, candidate: object) => void,
  onExpand?: (
    nodeId: number,
    obj: object,
    checkpointChildren: () => ReadonlyMap<string, number>,
    adapter: TrackableAdapter | undefined,
  ) => void,
): NodeBindings {
  const bindings = new NodeBindings(view.numNodes).set(0, root);
  // The queue as two arrays and the visited set as bytes: a pair and a Set entry per node were most of the
  // garbage of binding 10^6 nodes.
  const queuedIds: number[] = [0];
  const queuedObjects: object[] = [root];
  const visited = new Uint8Array(view.numNodes);
  for (let head = 0; head < queuedIds.length; head++) {
    const id = at(queuedIds, head, 'queue');
    const obj = at(queuedObjects, head, 'queue');
    if (view.childCount(id) === 0) {
      visited[id] = 1;
      continue;
    }
    // The name → id Map only for adapters' hooks, which take one; plain objects (a root of 10^6 children) need none.
    let named: ReadonlyMap<string, number> | null = null;
    const checkpointChildren = (): ReadonlyMap<string, number> => (named ??= view.children(id));
    const adapter = live.adapterOf(obj);
    onExpand?.(id, obj, checkpointChildren, adapter);
    // Names are looked up one by one (TensorFlow's _lookup_dependency) unless the adapter resolves them itself.
    const resolve = adapter?.resolveChild?.(obj, checkpointChildren(), live.children(obj)) ?? live.childLookup(obj);
    // Every child is looked up, then the found ones get TF's dict semantics (a repeated name at its first place
    // with its last id). Lookups answer by name alone, so a name repeats among the found children or not at all:
    // a hostile node of 10^6 names against a small model needs no table of all its names.
    const list = view.childList(id);
    const foundAt: number[] = [];
    const foundObjects: object[] = [];
    for (let i = 0; i < list.length; i++) {
      const child = resolve(list.localName(i));
      if (child === undefined) continue;
      foundAt.push(i);
      foundObjects.push(child);
    }
    const found = foundAt.length === list.length ? list : new SubList(list, foundAt);
    const unique = childrenByName(found);
    for (let k = 0; k < unique.length; k++) {
      const childId = unique.nodeId(k);
      if (visited[childId] === 1 || childId === 0) continue;
      // Merged (a repeated name): looked up again, which answers as before.
      const child = unique === found ? foundObjects[k] : resolve(unique.localName(k));
      if (child === undefined) continue;
      const assigned = bindings.get(childId);
      if (assigned === undefined) {
        bindings.set(childId, child);
        queuedIds.push(childId);
        queuedObjects.push(child);
      } else if (assigned !== child) onInconsistent(assigned, child);
    }
    visited[id] = 1;
  }
  return bindings;
}

/**
 * The object graph of a checkpoint, as TensorFlow's `tf.train.CheckpointView`: its nodes, their children in
 * checkpoint order, and the match of live objects against it (`match`, `diff`) with TensorFlow's algorithm.
 *
 * @example
 * {@includeCode ../../examples/inspect.ts#CheckpointView}
 */
export class CheckpointView {
  /** Node access that leaves a stored graph's other nodes undecoded. */
  private readonly nodeAt: (id: number) => TrackableObject | undefined;
  /** The stored graph, whose nodes can be counted and read without being kept decoded; null for a decoded one. */
  private readonly stored: StoredObjectGraph | null;
  /** How many nodes the object graph has. */
  readonly numNodes: number;
  private tree: SpanningTree | null = null;
  private slots: ReadonlyArray<readonly [number, SlotVariableReference]> | null = null;

  private constructor(readonly objectGraph: ObjectGraph) {
    if (objectGraph instanceof StoredObjectGraph) {
      this.stored = objectGraph;
      this.numNodes = objectGraph.numNodes;
      this.nodeAt = (id) => objectGraph.node(id);
    } else {
      this.stored = null;
      this.numNodes = objectGraph.nodes.length;
      this.nodeAt = (id) => objectGraph.nodes[id];
    }
  }

  /**
   * Opens the checkpoint at `savePath` and reads its object graph. A checkpoint without one fails with
   * NotObjectBasedError carrying TensorFlow's ValueError text.
   */
  static async open(savePath: string, options: OpenOptions = {}): Promise<CheckpointView> {
    // Files another writer laid out come with their own graph (a registered ValueSource opener).
    const graph = valueSourceOpenerFor(savePath)
      ? await withValueSource(savePath, options, (s) => s.objectGraph())
      : await readObjectGraph(savePath, options);
    return CheckpointView.requireGraph(graph, savePath);
  }

  /**
   * The view of an open value source's object graph; a checkpoint without one fails with NotObjectBasedError
   * carrying TensorFlow's ValueError text, naming it `savePath`.
   */
  static async fromValueSource(source: ValueSource, savePath: string = source.prefix): Promise<CheckpointView> {
    return CheckpointView.requireGraph(await source.objectGraph(), savePath, source.prefix);
  }

  /** The one wording of "this checkpoint has no object graph" (TensorFlow's). */
  private static requireGraph(graph: ObjectGraph | null, savePath: string, file: string = savePath): CheckpointView {
    if (graph === null) {
      throw new NotObjectBasedError(
        `The specified checkpoint "${savePath}" does not appear to be object-based (saved with TF2) since it is ` +
          `missing the key "${OBJECT_GRAPH_PROTO_KEY}". Likely it was created with the TF1 name-based saver and does ` +
          'not contain an object dependency graph.',
        { file, key: OBJECT_GRAPH_PROTO_KEY },
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
    const node = isNodeId(nodeId, this.numNodes) ? this.nodeAt(nodeId) : undefined;
    if (node === undefined) throw noSuchNode(nodeId, this.numNodes);
    return node;
  }

  /**
   * The node, as node() gives it, but not kept decoded when it was not before: for one pass over many nodes that
   * are seldom needed again (compareWithCheckpoint's look at every node's values reads their attributes only,
   * with peekAttributes).
   */
  peekNode(nodeId: number): TrackableObject {
    // A stored graph checks the id itself, with node()'s error.
    return this.stored !== null ? this.stored.peek(nodeId) : this.node(nodeId);
  }

  /**
   * The node's attributes, read as peekNode reads the node but without decoding its children (a node may have
   * 10^6 of them).
   */
  peekAttributes(nodeId: number): readonly SerializedTensor[] {
    return this.stored !== null ? this.stored.peekAttributes(nodeId) : this.node(nodeId).attributes;
  }

  /** How many children the node lists (a stored node is counted without being decoded). */
  childCount(nodeId: number): number {
    return this.stored !== null ? this.stored.childCount(nodeId) : this.node(nodeId).children.length;
  }

  /** The node's children in checkpoint order (a stored node's are read without decoding it). */
  childList(nodeId: number): ChildList {
    return this.stored !== null ? this.stored.childList(nodeId) : new ReferenceList(this.node(nodeId).children);
  }

  /** How many slot variables the node lists (a stored node is counted without being decoded). */
  slotVariableCount(nodeId: number): number {
    return this.stored !== null ? this.stored.slotVariableCount(nodeId) : this.node(nodeId).slotVariables.length;
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
    return Array.from(this.spanningTree().order);
  }

  /**
   * node id → TensorFlow's path string for it (`root.model.layer-0`, first discovery wins, names not escaped).
   * Slot-variable nodes are not reachable through children and so are absent, as in TensorFlow.
   *
   * Every path is built in full, so the cost is the sum of all depths: quadratic for a deep chain. Code that must
   * stay linear on hostile graphs uses spanningTree(), which builds a path only when asked.
   */
  descendantsWithPaths(): Map<number, string> {
    const tree = this.spanningTree();
    const paths = new Map<number, string>();
    for (const id of tree.order) {
      const parent = tree.parentOf(id);
      // Breadth-first order: a parent's path is set before its children's.
      paths.set(id, parent < 0 ? 'root' : `${got(paths, parent, 'paths')}.${tree.edgeName(id)}`);
    }
    return paths;
  }

  /** The breadth-first tree TensorFlow names nodes by (computed once per view; linear in nodes and edges). */
  spanningTree(): SpanningTree {
    this.tree ??= new SpanningTree(
      this.numNodes,
      (id) => this.childList(id),
      (id) => this.childCount(id),
    );
    return this.tree;
  }

  /** Slot references of every optimizer node: [optimizer node id, reference] (found once per view). */
  slotVariables(): ReadonlyArray<readonly [number, SlotVariableReference]> {
    if (this.slots === null) {
      const out: Array<[number, SlotVariableReference]> = [];
      for (let id = 0; id < this.numNodes; id++) {
        if (this.slotVariableCount(id) === 0) continue;
        for (const s of this.node(id).slotVariables) out.push([id, s]);
      }
      this.slots = out;
    }
    return this.slots;
  }

  /**
   * node id → live object for every checkpoint node that has a counterpart under `obj` at the same names, in
   * the order TensorFlow assigns them. Logs TensorFlow's warning when two checkpoint paths to one node reach two
   * different live objects.
   */
  match(obj: unknown, options: MatchOptions = {}): Map<number, unknown> {
    const view = options.view ?? new TrackableView(obj as object);
    if (!view.isTrackable(obj)) {
      throw new InvalidArgumentError(`Expected a Trackable, got ${describeLive(obj)} of type ${typeof obj}.`);
    }
    const bindings = matchBreadthFirst(this, obj, view, (assigned, candidate) => {
      logger().warn(
        'Inconsistent references when matching the checkpoint into this object graph. The referenced objects ' +
          `are: (${describeLive(assigned)} and ${describeLive(candidate)}).`,
      );
    });
    return new Map(bindings);
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

/** Paths longer than this many edges are shortened in messages and listings (real models nest a dozen deep). */
export const PATH_EDGES_SHOWN = 64;

/**
 * The first-discovery (breadth-first) tree of an object graph: for each reachable node, the node and the child edge
 * that reached it first. Paths are built from it on demand in O(depth), never stored, so graphs of any depth cost
 * memory linear in their node count.
 */
export class SpanningTree {
  /** Reachable node ids in breadth-first order, the root first. */
  readonly order: Int32Array;
  /** Parent of each node in the tree; −1 for the root and for unreachable nodes. */
  private readonly parent: Int32Array;
  /** Index, in the parent's children, of the edge that reached each node. */
  private readonly edge: Int32Array;
  /** Edges from the root; −1 for unreachable nodes. */
  private readonly depths: Int32Array;
  private anchors: Int32Array | null = null;

  constructor(
    size: number,
    /** A node's children (asked again for edge names: it should be cheap to ask twice). */
    private readonly childList: (id: number) => ChildList,
    /** How many children a node has; leaves (most nodes) need not be decoded to be passed over. */
    childCount: (id: number) => number = (id) => childList(id).length,
  ) {
    this.parent = new Int32Array(size).fill(-1);
    this.edge = new Int32Array(size).fill(-1);
    this.depths = new Int32Array(size).fill(-1);
    const order = new Int32Array(size);
    let n = 0;
    order[n++] = 0;
    this.depths[0] = 0;
    for (let head = 0; head < n; head++) {
      // Typed-array reads below are in range by construction (ids < size, head < n); `?? 0` only satisfies the
      // checker, at no cost in this loop over every node.
      const id = order[head] ?? 0;
      if (childCount(id) === 0) continue;
      const children = childList(id);
      const depth = (this.depths[id] ?? 0) + 1;
      for (let k = 0; k < children.length; k++) {
        const child = children.nodeId(k);
        if (this.depths[child] !== -1) continue;
        this.depths[child] = depth;
        this.parent[child] = id;
        this.edge[child] = k;
        order[n++] = child;
      }
    }
    this.order = order.subarray(0, n);
  }

  /** Whether the node is reachable from the root through children. */
  has(id: number): boolean {
    return this.depths[id] !== undefined && this.depths[id] !== -1;
  }

  /** The node's parent in the tree, −1 for the root and unreachable nodes. */
  parentOf(id: number): number {
    return this.parent[id] ?? -1;
  }

  /** Index in the parent's children of the edge that reached the node, −1 when there is none. */
  edgeIndexOf(id: number): number {
    return this.edge[id] ?? -1;
  }

  /** The local name of the edge that reached the node. */
  edgeName(id: number): string {
    const parent = this.parent[id] ?? -1;
    if (parent < 0) throw new InternalError(`node ${id} was reached by no edge`);
    return this.childList(parent).localName(this.edge[id] ?? -1);
  }

  /** Edges from the root to the node, −1 when unreachable. */
  depth(id: number): number {
    return this.depths[id] ?? -1;
  }

  /** TensorFlow's path of a reachable node (`root.a.b`), or undefined; O(depth). */
  path(id: number, root = 'root'): string | undefined {
    const depth = this.depth(id);
    if (depth < 0) return undefined;
    return this.pathFrom(id, depth, root);
  }

  /**
   * The path for messages and listings: the full path up to PATH_EDGES_SHOWN edges; a deeper one keeps its first
   * and last PATH_EDGES_SHOWN / 2 edges around `…(N more)…`. Costs O(PATH_EDGES_SHOWN) whatever the depth, so
   * naming every node of a 100,000-deep chain stays linear.
   */
  shortPath(id: number, root = 'root'): string | undefined {
    const depth = this.depth(id);
    if (depth < 0) return undefined;
    if (depth <= PATH_EDGES_SHOWN) return this.pathFrom(id, depth, root);
    const half = PATH_EDGES_SHOWN / 2;
    const tail: string[] = [];
    let at = id;
    for (let i = 0; i < half; i++, at = this.parentOf(at)) tail.push(this.edgeName(at));
    return `${this.pathFrom(this.headAnchor()[id] ?? -1, half, root)}.…(${depth - 2 * half} more)….${tail.reverse().join('.')}`;
  }

  private pathFrom(id: number, edges: number, root: string): string {
    // Joined by concatenation, leaf first: the engine keeps such a string as pieces until it is read, so the path
    // each restored value is handed for its messages (10^6 of them) costs no copy unless a message prints it.
    let path = '';
    let at = id;
    for (let i = edges; i > 0; i--, at = this.parentOf(at)) path = `.${this.edgeName(at)}${path}`;
    return root + path;
  }

  /** For each node deeper than PATH_EDGES_SHOWN / 2, its ancestor at that depth (computed once, in BFS order). */
  private headAnchor(): Int32Array {
    if (this.anchors === null) {
      const anchors = new Int32Array(this.depths.length).fill(-1);
      for (const id of this.order) {
        const d = this.depth(id);
        if (d === PATH_EDGES_SHOWN / 2) anchors[id] = id;
        // Breadth-first order: the parent's anchor is set first.
        else if (d > PATH_EDGES_SHOWN / 2) anchors[id] = anchors[this.parentOf(id)] ?? -1;
      }
      this.anchors = anchors;
    }
    return this.anchors;
  }
}
