/**
 * How live JavaScript objects present themselves as a trackable tree, the equivalent of TensorFlow's
 * `Trackable._trackable_children` and `TrackableView`.
 *
 * Children of a live object, in order of precedence:
 *  1. an object defining `[trackableChildren]()` lists its own children (like overriding `_trackable_children`);
 *  2. a registered adapter (tfjs variables, layers, models, optimizers) lists them;
 *  3. arrays: indices '0', '1', … of trackable elements (like TF's ListWrapper);
 *  4. Maps: string keys with trackable values (like TF's dict wrapper);
 *  5. plain objects and class instances: own enumerable string-keyed properties, in insertion order, whose values
 *     are trackable (like tf.Module's attribute auto-tracking).
 * Numbers, strings, functions, typed arrays and plain (non-variable) tensors are never children. A class instance
 * is trackable only when it holds something trackable; plain objects, arrays and Maps are trackable even when
 * empty, as TF tracks empty lists and dicts.
 */

import { got } from '../checked';

/** Define `[trackableChildren]()` on any object to list its checkpoint children yourself. */
export const trackableChildren: unique symbol = Symbol.for('tfjs-checkpoint.trackableChildren') as never;

export type ChildEntries = Iterable<readonly [string, unknown]> | ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>;

export interface TrackableProtocol {
  [trackableChildren](): ChildEntries;
}

/** Teaches the package the children of a kind of object it cannot inspect generically. */
export interface TrackableAdapter {
  /** A short name for diagnostics. */
  readonly name: string;
  /** Whether this adapter handles `obj`. */
  matches(obj: object): boolean;
  /**
   * The children of `obj`, or null if objects of this kind are never trackable (e.g. plain tfjs tensors, which
   * would otherwise look like class instances).
   */
  children(obj: object): ChildEntries | null;
}

const adapters: TrackableAdapter[] = [];

/** Registers an adapter; later registrations take precedence over earlier ones. Returns a function to remove it. */
export function registerTrackableAdapter(adapter: TrackableAdapter): () => void {
  adapters.unshift(adapter);
  return () => {
    const i = adapters.indexOf(adapter);
    if (i >= 0) adapters.splice(i, 1);
  };
}

function entriesOf(children: ChildEntries): Iterable<readonly [string, unknown]> {
  if (children instanceof Map) return children.entries();
  if (typeof (children as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return children as Iterable<readonly [string, unknown]>;
  }
  return Object.entries(children as Record<string, unknown>);
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Objects that are data, not containers of trackables. */
function isOpaqueBuiltin(v: object): boolean {
  return (
    ArrayBuffer.isView(v) ||
    v instanceof ArrayBuffer ||
    v instanceof Date ||
    v instanceof RegExp ||
    v instanceof Promise ||
    v instanceof Error ||
    v instanceof Set ||
    v instanceof WeakMap ||
    v instanceof WeakSet
  );
}

type Classification =
  | { kind: 'none' }
  | { kind: 'custom'; children: () => Iterable<readonly [string, unknown]> }
  | { kind: 'array' | 'map' | 'object' };

/**
 * A view of the trackable tree under a root, with TensorFlow's traversal order. Children lists are computed once
 * per object and cached for the view's lifetime, so one match/diff sees a consistent tree.
 */
export class TrackableView {
  private readonly childCache = new Map<object, Map<string, object>>();
  private readonly trackableCache = new Map<object, boolean>();

  constructor(readonly root: object) {}

  private classify(v: object): Classification {
    const custom = (v as Partial<TrackableProtocol>)[trackableChildren];
    if (typeof custom === 'function') return { kind: 'custom', children: () => entriesOf(custom.call(v)) };
    for (const adapter of adapters) {
      if (adapter.matches(v)) {
        const children = adapter.children(v);
        return children === null ? { kind: 'none' } : { kind: 'custom', children: () => entriesOf(children) };
      }
    }
    if (Array.isArray(v)) return { kind: 'array' };
    if (v instanceof Map) return { kind: 'map' };
    if (isOpaqueBuiltin(v)) return { kind: 'none' };
    return { kind: 'object' };
  }

  /** Whether `v` can be a node of the tree. */
  isTrackable(v: unknown): v is object {
    return this.check(v, new Set()).ok;
  }

  /**
   * `tentative` marks a "no" that relied on an instance still being examined higher up (a reference cycle); such
   * answers are not cached, since that instance may yet turn out trackable. A "yes" is always final.
   */
  private check(v: unknown, inProgress: Set<object>): { ok: boolean; tentative: boolean } {
    if (typeof v !== 'object' || v === null) return { ok: false, tentative: false };
    const cached = this.trackableCache.get(v);
    if (cached !== undefined) return { ok: cached, tentative: false };
    const c = this.classify(v);
    if (c.kind !== 'object' || isPlainObject(v)) {
      const ok = c.kind !== 'none';
      this.trackableCache.set(v, ok);
      return { ok, tentative: false };
    }
    // A class instance counts when it holds something trackable (tf.Module-like).
    if (inProgress.has(v)) return { ok: false, tentative: true };
    inProgress.add(v);
    let ok = false;
    let tentative = false;
    for (const x of Object.values(v)) {
      const r = this.check(x, inProgress);
      if (r.ok) {
        ok = true;
        break;
      }
      tentative ||= r.tentative;
    }
    inProgress.delete(v);
    if (ok || !tentative) this.trackableCache.set(v, ok);
    return { ok, tentative: !ok && tentative };
  }

  /** The trackable children of `obj` by name, in tracking order. */
  children(obj: object): Map<string, object> {
    let out = this.childCache.get(obj);
    if (out !== undefined) return out;
    const found = new Map<string, object>();
    out = found;
    const c = this.classify(obj);
    const add = (name: string, value: unknown): void => {
      if (this.isTrackable(value)) found.set(name, value);
    };
    switch (c.kind) {
      case 'custom':
        for (const [name, value] of c.children()) add(name, value);
        break;
      case 'array':
        (obj as unknown[]).forEach((value, i) => add(String(i), value));
        break;
      case 'map':
        for (const [key, value] of obj as Map<unknown, unknown>) if (typeof key === 'string') add(key, value);
        break;
      case 'object':
        for (const [key, value] of Object.entries(obj)) add(key, value);
        break;
      case 'none':
        break;
    }
    this.childCache.set(obj, out);
    return out;
  }

  /** Every object reachable from the root, breadth first, each once (identity), the root first. */
  descendants(): object[] {
    return this.descendantsWithPaths().map(([obj]) => obj);
  }

  /** Descendants with the edge names of the first path that reached each. */
  descendantsWithPaths(): Array<[object, string[]]> {
    const paths = new Map<object, string[]>([[this.root, []]]);
    const order: Array<[object, string[]]> = [];
    const queue: object[] = [this.root];
    for (let head = 0, current = queue[head]; current !== undefined; current = queue[++head]) {
      const path = got(paths, current, 'paths of reached objects');
      order.push([current, path]);
      for (const [name, child] of this.children(current)) {
        if (!paths.has(child)) {
          paths.set(child, [...path, name]);
          queue.push(child);
        }
      }
    }
    return order;
  }
}
