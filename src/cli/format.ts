/**
 * Human-readable renderings of a checkpoint: the object graph as a tree. Pure functions over the public API, so
 * the command line stays a thin shell and tests can check the text without spawning processes.
 */
import type { CheckpointView, TrackableObject, ValueSource } from '../index';

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
      const label = a.name === 'VARIABLE_VALUE' ? '' : `${a.name} `;
      const keys = reader.attributeKeys(a.checkpointKey);
      if (keys.length === 0) return `${label}(no value stored under ${a.checkpointKey})`;
      return keys
        .map((k) => {
          const e = reader.entry(k);
          return `${label}${e.dtype}[${e.shape.join(',')}] ${formatBytes(e.size)}  ${k}`;
        })
        .join(', ');
    })
    .join(', ');
}

/**
 * The object graph as an indented tree. Each node appears once, under the edge that breadth-first search reaches
 * it by (TensorFlow's path for it); other edges to it are shown as references. Slot variables (optimizer state)
 * are listed under their optimizer, named the way TensorFlow's warnings name them.
 */
export function objectTreeLines(reader: ValueSource, view: CheckpointView): string[] {
  const paths = view.descendantsWithPaths();
  const prettyPath = (id: number): string => (paths.get(id) ?? `#${id}`).replace(/^root/, '(root)');
  const treeParent = new Map<number, number>();
  for (const id of paths.keys()) {
    for (const child of view.node(id).children) {
      if (child.nodeId !== 0 && !treeParent.has(child.nodeId) && paths.get(child.nodeId) === `${paths.get(id)}.${child.localName}`) {
        treeParent.set(child.nodeId, id);
      }
    }
  }
  const lines: string[] = [];
  const printed = new Set<number>();
  const render = (id: number, label: string, prefix: string, childPrefix: string): void => {
    const node = view.node(id);
    const values = attributeSummary(reader, node);
    lines.push(`${prefix}${label} #${id}${values ? `  ${values}` : ''}`);
    printed.add(id);
    const items: Array<() => void> = [];
    for (const child of node.children) {
      const own = treeParent.get(child.nodeId) === id && !printed.has(child.nodeId);
      items.push((last = false) => {
        const branch = last ? '└─ ' : '├─ ';
        const next = childPrefix + (last ? '   ' : '│  ');
        if (own) render(child.nodeId, child.localName, childPrefix + branch, next);
        else lines.push(`${childPrefix}${branch}${child.localName} → #${child.nodeId} ${prettyPath(child.nodeId)}`);
      });
    }
    for (const slot of node.slotVariables) {
      items.push((last = false) => {
        const slotNode = view.node(slot.slotVariableNodeId);
        const values = attributeSummary(reader, slotNode);
        lines.push(
          `${childPrefix}${last ? '└─ ' : '├─ '}slot '${slot.slotName}' for ${prettyPath(slot.originalVariableNodeId)} #${slot.slotVariableNodeId}${values ? `  ${values}` : ''}`,
        );
      });
    }
    items.forEach((item, i) => (item as (last?: boolean) => void)(i === items.length - 1));
  };
  render(0, '(root)', '', '');
  return lines;
}

/** The object graph as JSON: every node with its TF path, children, values (key, dtype, shape, bytes) and slots. */
export function treeJson(reader: ValueSource, view: CheckpointView): unknown {
  const paths = view.descendantsWithPaths();
  const slotNames = new Map<number, string>();
  for (const [optimizerId, s] of view.slotVariables()) {
    slotNames.set(s.slotVariableNodeId, `${paths.get(optimizerId) ?? `#${optimizerId}`}'s state '${s.slotName}' for ${paths.get(s.originalVariableNodeId) ?? `#${s.originalVariableNodeId}`}`);
  }
  return {
    prefix: reader.prefix,
    nodes: view.objectGraph.nodes.map((node, id) => ({
      id,
      path: paths.get(id) ?? slotNames.get(id) ?? null,
      children: node.children.map((c) => ({ name: c.localName, id: c.nodeId })),
      values: node.attributes.flatMap((a) =>
        reader.attributeKeys(a.checkpointKey).map((key) => {
          const e = reader.entry(key);
          return { attribute: a.name, key, dtype: e.dtype, shape: e.shape, bytes: e.size };
        }),
      ),
      slotVariables: node.slotVariables.map((s) => ({ slot: s.slotName, variable: s.originalVariableNodeId, node: s.slotVariableNodeId })),
      hasCheckpointValues: node.hasCheckpointValues,
    })),
  };
}
