/**
 * The TrackableObjectGraph stored under `_CHECKPOINTABLE_OBJECT_GRAPH`, decoded into plain immutable data, node
 * by node as it is used, each node validated (every node id in range) when decoded.
 */
import * as protobuf from 'protobufjs/minimal';

import { decodeMessage, tensorflow } from '../bundle/protos';
import { CorruptCheckpointError, InvalidArgumentError } from '../errors';
import { hashBytes } from '../bundle/key_index';
import { type ChildList, ReferenceList } from './children_by_name';
import {
  type ChildTable,
  countChildren,
  countSlotVariables,
  decodeChildTable,
  decodeTrackableObject,
  NodeReader,
  stringAt,
} from './node_decoder';

/** The key of the object graph in a bundle (TensorFlow's OBJECT_GRAPH_PROTO_KEY). */
export const OBJECT_GRAPH_PROTO_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

/** An edge of the object graph: the child's node id and the name it has under its parent. */
export interface ObjectReference {
  readonly nodeId: number;
  readonly localName: string;
}

/** A value saved for a node (for a variable: name `VARIABLE_VALUE`). */
export interface SerializedTensor {
  readonly name: string;
  /** TF1-style variable name (`dense/kernel`), '' for non-variables. */
  readonly fullName: string;
  readonly checkpointKey: string;
  readonly optionalRestore: boolean;
}

/** An optimizer's slot (`m`, `v`, …) for one variable. Slot nodes are reachable only through these. */
export interface SlotVariableReference {
  readonly originalVariableNodeId: number;
  readonly slotName: string;
  readonly slotVariableNodeId: number;
}

/** A saver registered with `tf.saved_model.register_checkpoint_saver` that wrote this node's values itself. */
export interface RegisteredSaver {
  readonly name: string;
  readonly objectName: string;
}

/**
 * One node of the object graph (TensorFlow's `TrackableObjectGraph.TrackableObject`): its children, the values
 * saved for it, the optimizer slot variables it owns.
 */
export interface TrackableObject {
  readonly children: readonly ObjectReference[];
  readonly attributes: readonly SerializedTensor[];
  readonly slotVariables: readonly SlotVariableReference[];
  readonly registeredSaver: RegisteredSaver | null;
  /** Whether the node or a descendant holds values; null when the writer did not say (TF < 2.9). */
  readonly hasCheckpointValues: boolean | null;
}

/** A checkpoint's object graph (TensorFlow's `TrackableObjectGraph`): node 0 is the root. */
export interface ObjectGraph {
  readonly nodes: readonly TrackableObject[];
}

/** Whether `id` is a node id of a graph of `numNodes` nodes: an integer in [0, numNodes). */
export function isNodeId(id: number, numNodes: number): boolean {
  // `>>> 0` keeps exactly the integers in [0, 2^32), with no builtin call per id.
  return id >>> 0 === id && id < numNodes;
}

/** The error for a node id a graph does not have (TensorFlow's CheckpointView raises on such ids too). */
export function noSuchNode(id: number, numNodes: number): InvalidArgumentError {
  return new InvalidArgumentError(`Node ${id} does not exist: the object graph has ${numNodes} nodes`);
}

/**
 * An object graph as stored, decoded node by node on first use. Opening a graph then costs one pass over its
 * framing, recording where each node's bytes lie, where decoding every node at once made about ten objects per
 * node whose garbage collection cost more than the decoding. Each node is validated when it is
 * decoded (its node ids in range), so traversals never index past the node list.
 */
export class StoredObjectGraph implements ObjectGraph {
  /** Number of nodes (the name CheckpointView uses too). */
  readonly numNodes: number;
  private readonly decoded: Array<TrackableObject | undefined>;
  private all: readonly TrackableObject[] | null = null;
  /** The child lists of nodes of many children, read without decoding them (12 bytes a child), kept. */
  private readonly tables = new Map<number, StoredChildList>();
  private reader: NodeReader | null = null;

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
    /** Start and end offsets of node i's bytes at [2i] and [2i + 1]. */
    private readonly bounds: Uint32Array,
  ) {
    this.numNodes = bounds.length / 2;
    this.decoded = new Array<TrackableObject | undefined>(this.numNodes);
  }

  /** @deprecated The node count is `numNodes`, as on CheckpointView. */
  get size(): number {
    return this.numNodes;
  }

  /** Indexes the nodes of a serialized TrackableObjectGraph; malformed framing fails with CorruptCheckpointError. */
  static decode(bytes: Uint8Array, file: string): StoredObjectGraph {
    const bounds = decodeMessage((b) => nodeBounds(b), bytes, 'object graph', { file, key: OBJECT_GRAPH_PROTO_KEY });
    if (bounds.length === 0) {
      throw new CorruptCheckpointError(`${file}: object graph has no nodes`, { file, key: OBJECT_GRAPH_PROTO_KEY });
    }
    return new StoredObjectGraph(bytes, file, bounds);
  }

  /** Node `id` (0 ≤ id < numNodes), decoded and validated on first use. */
  node(id: number): TrackableObject {
    let node = this.decoded[id];
    if (node === undefined) {
      this.requireNodeId(id);
      node = this.decodeNode(id);
      this.decoded[id] = node;
    }
    return node;
  }

  /**
   * Node `id` decoded without keeping it, when it was not decoded before: for a single pass over nodes that are
   * seldom needed again (keeping 10^6 decoded leaves was most of the heap a restore's collections traced).
   */
  peek(id: number): TrackableObject {
    const node = this.decoded[id];
    if (node !== undefined) return node;
    this.requireNodeId(id);
    return this.decodeNode(id);
  }

  /**
   * Node `id`'s attributes, read as peek() reads the node but without decoding its children: a restore reads
   * every bound node's attributes, the root of 10^6 children's too.
   */
  peekAttributes(id: number): readonly SerializedTensor[] {
    const node = this.decoded[id];
    if (node !== undefined) return node.attributes;
    this.requireNodeId(id);
    return this.decodeNode(id, false).attributes;
  }

  /**
   * Node `id`'s children, read without decoding the node when it was not before: their ids checked, their names
   * made (and checked as UTF-8) only when asked for.
   */
  childList(id: number): ChildList {
    const node = this.decoded[id];
    if (node !== undefined) return new ReferenceList(node.children);
    const known = this.tables.get(id);
    if (known !== undefined) return known;
    // A node of few children is decoded and kept, as node() does: typed arrays per small node cost more.
    const count = this.childCount(id);
    if (count <= FEW_CHILDREN) return new ReferenceList(this.node(id).children);
    const table = this.parse(id, (w, start, end) => decodeChildTable(w, start, end, count));
    for (let i = 0; i < table.nodeIds.length; i++) {
      const childId = table.nodeIds[i] ?? 0;
      if (!this.isNodeId(childId)) this.fail(id, `child #${i} refers to node ${childId}`);
    }
    const list = new StoredChildList(table, this.bytes, (err) => this.unparsable(id, err));
    this.tables.set(id, list);
    return list;
  }

  /** How many children node `id` lists, counted without decoding it. */
  childCount(id: number): number {
    return this.decoded[id]?.children.length ?? this.count(id, countChildren);
  }

  /** How many slot variables node `id` lists, counted without decoding it. */
  slotVariableCount(id: number): number {
    return this.decoded[id]?.slotVariables.length ?? this.count(id, countSlotVariables);
  }

  private count(id: number, counter: typeof countChildren): number {
    this.requireNodeId(id);
    return this.parse(id, counter);
  }

  /**
   * `decode` run over node `id`'s bytes (id checked by the caller) with the graph's one reader, repositioned per
   * node (10^6 nodes are read in one traversal); malformed bytes become a CorruptCheckpointError naming the node.
   */
  private parse<T>(id: number, decode: (w: NodeReader, start: number, end: number) => T): T {
    const reader = (this.reader ??= new NodeReader(this.bytes));
    try {
      return decode(reader, this.bounds[2 * id] ?? 0, this.bounds[2 * id + 1] ?? 0);
    } catch (err) {
      throw this.unparsable(id, err);
    }
  }

  private requireNodeId(id: number): void {
    if (!isNodeId(id, this.numNodes)) throw noSuchNode(id, this.numNodes);
  }

  private unparsable(id: number, err: unknown): CorruptCheckpointError {
    const reason = err instanceof Error ? err.message : String(err);
    return new CorruptCheckpointError(`Cannot parse object graph node ${id}: ${reason}`, {
      file: this.file,
      key: OBJECT_GRAPH_PROTO_KEY,
      cause: err,
    });
  }

  /** Every node, decoding those not decoded yet. */
  get nodes(): readonly TrackableObject[] {
    this.all ??= Array.from({ length: this.numNodes }, (_, id) => this.node(id));
    return this.all;
  }

  private decodeNode(id: number, withChildren = true): TrackableObject {
    const node = this.parse(id, (w, start, end) => decodeTrackableObject(w, start, end, withChildren));
    for (const c of node.children)
      if (!this.isNodeId(c.nodeId)) this.fail(id, `child ${c.localName} refers to node ${c.nodeId}`);
    for (const s of node.slotVariables) {
      if (!this.isNodeId(s.originalVariableNodeId) || !this.isNodeId(s.slotVariableNodeId)) {
        this.fail(id, `slot ${s.slotName} refers to nodes ${s.originalVariableNodeId} and ${s.slotVariableNodeId}`);
      }
    }
    return node;
  }

  private isNodeId(v: number): boolean {
    return isNodeId(v, this.numNodes);
  }

  private fail(id: number, what: string): never {
    throw new CorruptCheckpointError(
      `${this.file}: object graph node ${id}'s ${what}, but the graph has ${this.numNodes} nodes`,
      {
        file: this.file,
        key: OBJECT_GRAPH_PROTO_KEY,
      },
    );
  }
}

/** Up to this many children, childList decodes the node (and keeps it) rather than reading a table of them. */
const FEW_CHILDREN = 64;

/** The children of a stored node: ids and name bytes in typed arrays, a name made when asked for. */
class StoredChildList implements ChildList {
  constructor(
    private readonly table: ChildTable,
    private readonly bytes: Uint8Array,
    private readonly unparsable: (err: unknown) => CorruptCheckpointError,
  ) {}

  get length(): number {
    return this.table.nodeIds.length;
  }

  nodeId(i: number): number {
    return this.table.nodeIds[this.index(i)] ?? 0;
  }

  localName(i: number): string {
    const k = this.index(i);
    try {
      return stringAt(this.bytes, this.table.nameStarts[k] ?? 0, this.table.nameEnds[k] ?? 0);
    } catch (err) {
      throw this.unparsable(err);
    }
  }

  nameHash(i: number): number {
    const k = this.index(i);
    return hashBytes(this.bytes, this.table.nameStarts[k] ?? 0, this.table.nameEnds[k] ?? 0);
  }

  /** Byte for byte: equal names are equal bytes (names that are not UTF-8 fail when made). */
  sameName(i: number, j: number): boolean {
    const { nameStarts, nameEnds } = this.table;
    const a = nameStarts[this.index(i)] ?? 0;
    const b = nameStarts[this.index(j)] ?? 0;
    const length = (nameEnds[i] ?? 0) - a;
    if ((nameEnds[j] ?? 0) - b !== length) return false;
    const bytes = this.bytes;
    for (let k = 0; k < length; k++) if (bytes[a + k] !== bytes[b + k]) return false;
    return true;
  }

  private index(i: number): number {
    if (i >>> 0 !== i || i >= this.table.nodeIds.length)
      throw new RangeError(`no child ${i} of ${this.table.nodeIds.length}`);
    return i;
  }
}

/** Where each `nodes` entry (field 1) of a TrackableObjectGraph lies; other fields are skipped, as protobuf does. */
function nodeBounds(bytes: Uint8Array): Uint32Array {
  const reader = protobuf.Reader.create(bytes);
  let bounds = new Uint32Array(64);
  let n = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === NODES_TAG) {
      const length = reader.uint32();
      const start = reader.pos;
      reader.skip(length);
      if (n + 2 > bounds.length) {
        const grown = new Uint32Array(bounds.length * 2);
        grown.set(bounds);
        bounds = grown;
      }
      bounds[n++] = start;
      bounds[n++] = start + length;
    } else {
      if (tag >>> 3 === 0) throw new Error(`invalid field number 0 at offset ${reader.pos}`);
      reader.skipType(tag & 7);
    }
  }
  return bounds.slice(0, n);
}

/** Field 1 (`nodes`), wire type 2 (length-delimited). */
const NODES_TAG = (1 << 3) | 2;

/** Decodes a serialized TrackableObjectGraph (nodes are decoded as they are used). */
export function decodeObjectGraph(bytes: Uint8Array, file: string): StoredObjectGraph {
  return StoredObjectGraph.decode(bytes, file);
}

/** Encodes an object graph as TensorFlow stores it. */
export function encodeObjectGraph(graph: ObjectGraph): Uint8Array {
  return tensorflow.TrackableObjectGraph.encode({
    nodes: graph.nodes.map((n) => ({
      children: n.children.map((c) => ({ nodeId: c.nodeId, localName: c.localName })),
      attributes: n.attributes.map((a) => ({
        name: a.name,
        fullName: a.fullName,
        checkpointKey: a.checkpointKey,
        optionalRestore: a.optionalRestore,
      })),
      slotVariables: n.slotVariables.map((s) => ({ ...s })),
      registeredSaver: n.registeredSaver ?? null,
      hasCheckpointValues: n.hasCheckpointValues === null ? null : { value: n.hasCheckpointValues },
    })),
  }).finish();
}
