import { isNodeId } from './object_graph';

/**
 * Checkpoint node id → live object, in binding order: a Map's interface over an array indexed by node id. A
 * restore binds up to every node of the graph, and a Map of 10^6 entries (its growth, its hashing and its tracing
 * by the collector) was a large part of matching a graph that size.
 */
export class NodeBindings implements ReadonlyMap<number, object> {
  /**
   * The object bound to each node id, grown as ids are bound: a few bindings in a graph of 10^6 nodes (a hostile
   * file against a small model) cost a few slots, not 10^6.
   */
  private readonly objects: Array<object | undefined> = [];
  /** Bound node ids, in binding order. */
  private readonly order: number[] = [];

  constructor(private readonly numNodes: number) {}

  get size(): number {
    return this.order.length;
  }

  get(id: number): object | undefined {
    return this.objects[id];
  }

  has(id: number): boolean {
    return this.objects[id] !== undefined;
  }

  /** Binds node `id` (a node id of the graph) to `obj`; a node bound again keeps its place in the order. */
  set(id: number, obj: object): this {
    if (!isNodeId(id, this.numNodes)) throw new RangeError(`no node ${id} to bind`);
    if (this.objects[id] === undefined) this.order.push(id);
    this.objects[id] = obj;
    return this;
  }

  forEach(callback: (obj: object, id: number, map: ReadonlyMap<number, object>) => void): void {
    for (const id of this.order) callback(this.objects[id] as object, id, this);
  }

  *entries(): MapIterator<[number, object]> {
    for (const id of this.order) yield [id, this.objects[id] as object];
  }

  *keys(): MapIterator<number> {
    yield* this.order;
  }

  *values(): MapIterator<object> {
    for (const id of this.order) yield this.objects[id] as object;
  }

  [Symbol.iterator](): MapIterator<[number, object]> {
    return this.entries();
  }
}
