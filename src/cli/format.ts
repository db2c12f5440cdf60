/**
 * Human-readable renderings of a checkpoint: the object graph as a tree. Pure functions over the public API, so
 * the command line stays a thin shell and tests can check the text without spawning processes.
 */
import {
  type CheckpointReader,
  type CheckpointView,
  dtypeInfo,
  InternalError,
  type TrackableObject,
  type ValueSource,
  VARIABLE_VALUE,
} from '../index';
import { displayText } from './display_text';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

function attributeSummary(reader: ValueSource, node: TrackableObject): string {
  return node.attributes
    .map((a) => {
      const label = a.name === VARIABLE_VALUE ? '' : `${displayText(a.name)} `;
      const keys = reader.attributeKeys(a.checkpointKey);
      if (keys.length === 0) return `${label}(no value stored under ${displayText(a.checkpointKey)})`;
      return keys
        .map((k) => {
          const e = reader.entry(k);
          return `${label}${e.dtype}[${e.shape.join(',')}] ${formatBytes(e.size)}  ${displayText(k)}`;
        })
        .join(', ');
    })
    .join(', ');
}

/** TensorFlow's inspect_checkpoint listing, `key (DT_FLOAT) [2,3]` per tensor, with each key escaped. */
export function tensorListing(reader: CheckpointReader): string {
  return reader
    .keys()
    .map((k) => {
      const e = reader.entry(k);
      return `${displayText(k)} (${dtypeInfo(e.dtypeId).tfName}) [${e.shape.join(',')}]\n`;
    })
    .join('');
}

/**
 * How every path the command line prints begins, in text and JSON alike: TensorFlow's restore warnings write
 * `(root).model.kernel`, and the package's own status messages follow them.
 */
const ROOT = '(root)';

/** Nesting deeper than this is drawn at this indentation, with the depth in the label, so lines stay short. */
export const TREE_INDENT_LEVELS = 64;

/**
 * The object graph as an indented tree. Each node appears once, under the edge that breadth-first search reaches
 * it by (TensorFlow's path for it); other edges to it are shown as references. Slot variables (optimizer state)
 * are listed under their optimizer, named the way TensorFlow's warnings name them. Names are escaped
 * (displayText); drawing is iterative and indentation capped, so a 100,000-deep chain prints in linear time.
 */
export function objectTreeLines(reader: ValueSource, view: CheckpointView): string[] {
  const tree = view.spanningTree();
  const pathOf = (id: number): string => displayText(tree.shortPath(id, ROOT) ?? `#${id}`);
  const lines: string[] = [];
  const printed = new Uint8Array(view.numNodes);
  const stack: Array<{ id: number; childPrefix: string; depth: number; next: number }> = [];
  const open = (id: number, label: string, prefix: string, childPrefix: string, depth: number): void => {
    const values = attributeSummary(reader, view.node(id));
    lines.push(`${prefix}${label} #${id}${values ? `  ${values}` : ''}`);
    printed[id] = 1;
    stack.push({ id, childPrefix, depth, next: 0 });
  };
  open(0, ROOT, '', '', 0);
  for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
    const node = view.node(frame.id);
    const total = node.children.length + node.slotVariables.length;
    if (frame.next >= total) {
      stack.pop();
      continue;
    }
    const i = frame.next++;
    const last = i === total - 1;
    const branch = `${frame.childPrefix}${last ? '└─ ' : '├─ '}`;
    const child = node.children[i];
    if (child !== undefined) {
      const name = displayText(child.localName);
      if (
        tree.parentOf(child.nodeId) === frame.id &&
        tree.edgeIndexOf(child.nodeId) === i &&
        printed[child.nodeId] === 0
      ) {
        const depth = frame.depth + 1;
        const indent = depth < TREE_INDENT_LEVELS;
        open(
          child.nodeId,
          indent ? name : `${name} [depth ${depth}]`,
          branch,
          indent ? frame.childPrefix + (last ? '   ' : '│  ') : frame.childPrefix,
          depth,
        );
      } else {
        lines.push(`${branch}${name} → #${child.nodeId} ${pathOf(child.nodeId)}`);
      }
    } else {
      const slot = node.slotVariables[i - node.children.length];
      if (slot === undefined) throw new InternalError(`node #${frame.id}: no child or slot variable ${i} of ${total}`);
      const values = attributeSummary(reader, view.node(slot.slotVariableNodeId));
      lines.push(
        `${branch}slot '${displayText(slot.slotName)}' for ${pathOf(slot.originalVariableNodeId)} #${slot.slotVariableNodeId}${values ? `  ${values}` : ''}`,
      );
    }
  }
  return lines;
}

/**
 * The object graph as JSON: every node with its TF path (shortened past PATH_EDGES_SHOWN edges; `parent` gives the
 * tree), children, values (key, dtype, shape, bytes) and slots.
 */
export function treeJson(reader: ValueSource, view: CheckpointView): unknown {
  const tree = view.spanningTree();
  const slotNames = new Map<number, string>();
  for (const [optimizerId, s] of view.slotVariables()) {
    slotNames.set(
      s.slotVariableNodeId,
      `${tree.shortPath(optimizerId, ROOT) ?? `#${optimizerId}`}'s state '${s.slotName}' for ${tree.shortPath(s.originalVariableNodeId, ROOT) ?? `#${s.originalVariableNodeId}`}`,
    );
  }
  return {
    prefix: reader.prefix,
    nodes: view.objectGraph.nodes.map((node, id) => ({
      id,
      path: tree.shortPath(id, ROOT) ?? slotNames.get(id) ?? null,
      parent: tree.has(id) && id !== 0 ? tree.parentOf(id) : null,
      children: node.children.map((c) => ({ name: c.localName, id: c.nodeId })),
      values: node.attributes.flatMap((a) =>
        reader.attributeKeys(a.checkpointKey).map((key) => {
          const e = reader.entry(key);
          return { attribute: a.name, key, dtype: e.dtype, shape: e.shape, bytes: e.size };
        }),
      ),
      slotVariables: node.slotVariables.map((s) => ({
        slot: s.slotName,
        variable: s.originalVariableNodeId,
        node: s.slotVariableNodeId,
      })),
      hasCheckpointValues: node.hasCheckpointValues,
    })),
  };
}
