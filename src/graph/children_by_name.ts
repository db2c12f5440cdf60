/**
 * A node's children as matching walks them: by position, each with its node id and name, the names made only when
 * asked (a stored node of 10^6 children is not decoded into an object and a string per child), and read as
 * TensorFlow's CheckpointView.children dict sees them: each name once, at the position it first appears, with the
 * node id it was given last.
 */
import { hashText } from '../bundle/key_index';
import type { ObjectReference } from './object_graph';

/** A node's children in checkpoint order (CheckpointView.childList). */
export interface ChildList {
  /** How many children the node lists. */
  readonly length: number;
  /** The node id of child i. */
  nodeId(i: number): number;
  /** The name of child i under the node (made when asked for; a CorruptCheckpointError when it is not UTF-8). */
  localName(i: number): string;
  /**
   * A hash of child i's name: children of one list with equal names have equal hashes (lists differ in how).
   * @internal
   */
  nameHash(i: number): number;
  /**
   * Whether children i and j of this list have the same name.
   * @internal
   */
  sameName(i: number, j: number): boolean;
}

/** The ChildList of decoded references. */
export class ReferenceList implements ChildList {
  constructor(readonly references: readonly ObjectReference[]) {}

  get length(): number {
    return this.references.length;
  }

  nodeId(i: number): number {
    return this.ref(i).nodeId;
  }

  localName(i: number): string {
    return this.ref(i).localName;
  }

  nameHash(i: number): number {
    return hashText(this.ref(i).localName);
  }

  sameName(i: number, j: number): boolean {
    return this.ref(i).localName === this.ref(j).localName;
  }

  private ref(i: number): ObjectReference {
    const r = this.references[i];
    if (r === undefined) throw new RangeError(`no child ${i} of ${this.references.length}`);
    return r;
  }
}

/** The children of `list` at `positions` (ascending), in that order. */
export class SubList implements ChildList {
  constructor(
    private readonly list: ChildList,
    private readonly positions: readonly number[],
  ) {}

  get length(): number {
    return this.positions.length;
  }

  nodeId(i: number): number {
    return this.list.nodeId(this.position(i));
  }

  localName(i: number): string {
    return this.list.localName(this.position(i));
  }

  nameHash(i: number): number {
    return this.list.nameHash(this.position(i));
  }

  sameName(i: number, j: number): boolean {
    return this.list.sameName(this.position(i), this.position(j));
  }

  private position(i: number): number {
    const p = this.positions[i];
    if (p === undefined) throw new RangeError(`no child ${i} of ${this.positions.length}`);
    return p;
  }
}

/** Up to this many children, repeated names are looked for by comparing every pair. */
const PAIRWISE = 8;

/**
 * The children of `list` with dict semantics. A list without repeated names (all but hostile ones) comes back as
 * it is, found so with a table of typed arrays over the names' hashes: a Map of a root's 10^6 names cost more than
 * matching them.
 */
export function childrenByName(list: ChildList): ChildList {
  return hasRepeatedName(list) ? mergedByName(list) : list;
}

function hasRepeatedName(list: ChildList): boolean {
  const n = list.length;
  if (n <= PAIRWISE) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (list.sameName(i, j)) return true;
    return false;
  }
  // Open addressing over a power of two at least twice the count: slot → child index + 1 (0: empty).
  let size = 1;
  while (size < 2 * n) size *= 2;
  const slots = new Int32Array(size);
  const hashes = new Int32Array(n);
  const mask = size - 1;
  for (let i = 0; i < n; i++) {
    const hash = list.nameHash(i);
    hashes[i] = hash;
    let at = hash & mask;
    for (let j = slots[at] ?? 0; j !== 0; j = slots[at] ?? 0) {
      if (hashes[j - 1] === hash && list.sameName(j - 1, i)) return true;
      at = (at + 1) & mask;
    }
    slots[at] = i + 1;
  }
  return false;
}

function mergedByName(list: ChildList): ReferenceList {
  const ids = new Map<string, number>();
  for (let i = 0; i < list.length; i++) ids.set(list.localName(i), list.nodeId(i));
  return new ReferenceList(Array.from(ids, ([localName, nodeId]) => ({ localName, nodeId })));
}
