/**
 * Names of checkpoint nodes as TensorFlow's messages print them (ObjectGraphProtoPrettyPrinter): `(root).a.b` along
 * the first breadth-first path, and `{optimizer}'s state '{slot}' for {variable}` for slot variables; and a node's
 * protobuf text form, which TensorFlow embeds in assertion messages.
 */
import { CheckpointError } from '../errors';
import type { CheckpointView, SpanningTree, TrackableObject } from '../graph';

/**
 * Node names for messages, built on demand (a restore names only the nodes it reports on): the node's path, or for
 * a slot variable `{optimizer}'s state '{slot}' for {variable}`. Deep paths are shortened (SpanningTree.shortPath),
 * so naming every node costs time linear in the graph whatever its depth.
 */
export class NodeNames {
  /**
   * The spanning tree and slot references, found on the first name asked for (most restores name no node); null
   * when the graph's nodes could not be read to find them (names are then undefined: callers fall back to keys).
   */
  private found: { tree: SpanningTree; slots: Map<number, SlotName> } | null | undefined = undefined;

  constructor(private readonly view: CheckpointView) {}

  get(id: number): string | undefined {
    if (this.found === undefined) {
      try {
        this.found = findNames(this.view);
      } catch (err) {
        // A corrupt node the restore never used must not replace the error or warning being written.
        if (!(err instanceof CheckpointError)) throw err;
        this.found = null;
      }
    }
    if (this.found === null) return undefined;
    const { tree, slots } = this.found;
    const path = tree.shortPath(id, '(root)');
    if (path !== undefined) return path;
    const slot = slots.get(id);
    if (slot === undefined) return undefined;
    const pathOf = (node: number): string => tree.shortPath(node, '(root)') ?? `#${node}`;
    return `${pathOf(slot.optimizerId)}'s state '${slot.slotName}' for ${pathOf(slot.variableId)}`;
  }
}

interface SlotName {
  optimizerId: number;
  slotName: string;
  variableId: number;
}

function findNames(view: CheckpointView): { tree: SpanningTree; slots: Map<number, SlotName> } {
  const tree = view.spanningTree();
  /** Slot-variable node → its first reference whose optimizer and variable both have paths. */
  const slots = new Map<number, SlotName>();
  for (const [optimizerId, slot] of view.slotVariables()) {
    const id = slot.slotVariableNodeId;
    if (tree.has(id) || slots.has(id)) continue;
    if (tree.has(optimizerId) && tree.has(slot.originalVariableNodeId)) {
      slots.set(id, { optimizerId, slotName: slot.slotName, variableId: slot.originalVariableNodeId });
    }
  }
  return { tree, slots };
}

export function prettyNodeNames(view: CheckpointView): NodeNames {
  return new NodeNames(view);
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** The node in protobuf text format, as Python's str() of the proto prints it. */
export function nodeText(node: TrackableObject): string {
  const lines: string[] = [];
  for (const c of node.children)
    lines.push('children {', `  node_id: ${c.nodeId}`, `  local_name: ${quote(c.localName)}`, '}');
  for (const a of node.attributes) {
    lines.push('attributes {', `  name: ${quote(a.name)}`);
    if (a.fullName) lines.push(`  full_name: ${quote(a.fullName)}`);
    lines.push(`  checkpoint_key: ${quote(a.checkpointKey)}`);
    if (a.optionalRestore) lines.push('  optional_restore: true');
    lines.push('}');
  }
  for (const s of node.slotVariables) {
    lines.push(
      'slot_variables {',
      `  original_variable_node_id: ${s.originalVariableNodeId}`,
      `  slot_name: ${quote(s.slotName)}`,
      `  slot_variable_node_id: ${s.slotVariableNodeId}`,
      '}',
    );
  }
  if (node.registeredSaver)
    lines.push(
      'registered_saver {',
      `  name: ${quote(node.registeredSaver.name)}`,
      `  object_name: ${quote(node.registeredSaver.objectName)}`,
      '}',
    );
  if (node.hasCheckpointValues !== null)
    lines.push('has_checkpoint_values {', ...(node.hasCheckpointValues ? ['  value: true'] : []), '}');
  return `${lines.join('\n')}\n`;
}
