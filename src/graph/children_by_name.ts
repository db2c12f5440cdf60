/**
 * A node's children as TensorFlow's CheckpointView.children dict sees them: each name once, at the position it
 * first appears, with the node id it was given last.
 */
import { hashText } from '../bundle/key_index';
import type { ObjectReference } from './object_graph';

/** Up to this many children, repeated names are looked for by comparing every pair. */
const PAIRWISE = 8;

/**
 * The references of `children` with dict semantics. A list without repeated names (all but hostile ones) comes
 * back as it is, found so with a table of typed arrays: a Map of a root's 10^6 names cost more than matching them.
 */
export function childrenByName(children: readonly ObjectReference[]): readonly ObjectReference[] {
  return hasRepeatedName(children) ? mergedByName(children) : children;
}

function hasRepeatedName(children: readonly ObjectReference[]): boolean {
  const n = children.length;
  if (n <= PAIRWISE) {
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) if (children[i]?.localName === children[j]?.localName) return true;
    return false;
  }
  // Open addressing over a power of two at least twice the count: slot → child index + 1 (0: empty).
  let size = 1;
  while (size < 2 * n) size *= 2;
  const slots = new Int32Array(size);
  const hashes = new Int32Array(n);
  const mask = size - 1;
  for (let i = 0; i < n; i++) {
    const name = children[i]?.localName ?? '';
    const hash = hashText(name);
    hashes[i] = hash;
    let at = hash & mask;
    for (let j = slots[at] ?? 0; j !== 0; j = slots[at] ?? 0) {
      if (hashes[j - 1] === hash && children[j - 1]?.localName === name) return true;
      at = (at + 1) & mask;
    }
    slots[at] = i + 1;
  }
  return false;
}

function mergedByName(children: readonly ObjectReference[]): ObjectReference[] {
  const ids = new Map<string, number>();
  for (const c of children) ids.set(c.localName, c.nodeId);
  return Array.from(ids, ([localName, nodeId]) => ({ localName, nodeId }));
}
