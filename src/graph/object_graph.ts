/**
 * The TrackableObjectGraph stored under `_CHECKPOINTABLE_OBJECT_GRAPH`, decoded into plain immutable data and
 * validated once (every node id in range), so traversals never index past the node list.
 */
import { tensorflow } from '../bundle/protos';
import { decodeMessage } from '../bundle/protos';
import { CorruptCheckpointError } from '../errors';

/** The key of the object graph in a bundle (TensorFlow's OBJECT_GRAPH_PROTO_KEY). */
export const OBJECT_GRAPH_PROTO_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

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

export interface RegisteredSaver {
  readonly name: string;
  readonly objectName: string;
}

export interface TrackableObject {
  readonly children: readonly ObjectReference[];
  readonly attributes: readonly SerializedTensor[];
  readonly slotVariables: readonly SlotVariableReference[];
  readonly registeredSaver: RegisteredSaver | null;
  /** Whether the node or a descendant holds values; null when the writer did not say (TF < 2.9). */
  readonly hasCheckpointValues: boolean | null;
}

export interface ObjectGraph {
  readonly nodes: readonly TrackableObject[];
}

export function decodeObjectGraph(bytes: Uint8Array, file: string): ObjectGraph {
  const proto = decodeMessage((b) => tensorflow.TrackableObjectGraph.decode(b), bytes, 'object graph', {
    file,
    key: OBJECT_GRAPH_PROTO_KEY,
  });
  const count = proto.nodes.length;
  const fail = (what: string): never => {
    throw new CorruptCheckpointError(`${file}: object graph ${what}`, { file, key: OBJECT_GRAPH_PROTO_KEY });
  };
  if (count === 0) fail('has no nodes');
  const inRange = (v: number): boolean => Number.isInteger(v) && v >= 0 && v < count;
  // The decoded messages already have this module's field names and defaults (proto3 defaults live on their
  // prototypes), so they are used as they are after validation: graphs of 10^5 nodes open in tens of ms.
  const nodes = proto.nodes.map((n, i): TrackableObject => {
    const children = (n.children ?? []) as ObjectReference[];
    const slotVariables = (n.slotVariables ?? []) as SlotVariableReference[];
    for (const c of children) if (!inRange(c.nodeId)) fail(`node ${i}'s child ${c.localName} refers to node ${c.nodeId}, but the graph has ${count} nodes`);
    for (const s of slotVariables) {
      if (!inRange(s.originalVariableNodeId) || !inRange(s.slotVariableNodeId)) {
        fail(`node ${i}'s slot ${s.slotName} refers to nodes ${s.originalVariableNodeId} and ${s.slotVariableNodeId}, but the graph has ${count} nodes`);
      }
    }
    return {
      children,
      attributes: (n.attributes ?? []) as SerializedTensor[],
      slotVariables,
      registeredSaver: n.registeredSaver ? { name: n.registeredSaver.name ?? '', objectName: n.registeredSaver.objectName ?? '' } : null,
      hasCheckpointValues: n.hasCheckpointValues ? (n.hasCheckpointValues.value ?? false) : null,
    };
  });
  return { nodes };
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
