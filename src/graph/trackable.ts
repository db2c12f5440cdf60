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
  const proto = Object.getPrototypeOf(v);
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

/** What kind of container an object is, when no adapter or custom method speaks for it. */
const enum Builtin {
  None,
  Array,
  Map,
  Object,
}

/** check()'s answers: yes (final), no (final), and no that relied on an instance still being examined. */
const enum Answer {
  No,
  Yes,
  TentativeNo,
}

/**
 * A view of the trackable tree under a root, with TensorFlow's traversal order. Children lists are computed once
 * per object and cached for the view's lifetime, so one match/diff sees a consistent tree. Listing a child costs
 * no object beyond the cache entries (restores list 10^6 children).
 */
export class TrackableView {
  private readonly childCache = new Map<object, Map<string, object>>();
  private readonly trackableCache = new Map<object, boolean>();

  constructor(readonly root: object) {}

  /** The children an object lists itself or an adapter lists for it; null when never trackable; undefined when neither speaks. */
  private customChildren(v: object): ChildEntries | null | undefined {
    const custom = (v as Partial<TrackableProtocol>)[trackableChildren];
    if (typeof custom === 'function') return custom.call(v);
    for (const adapter of adapters) if (adapter.matches(v)) return adapter.children(v);
    return undefined;
  }

  /** Whether an adapter or custom method speaks for `v`, and if so whether it can be trackable. */
  private customKind(v: object): 'custom' | 'none' | undefined {
    if (typeof (v as Partial<TrackableProtocol>)[trackableChildren] === 'function') return 'custom';
    for (const adapter of adapters) {
      // An adapter that says "never trackable" does so by listing null children; listing is cheap for leaves.
      if (adapter.matches(v)) return adapter.children(v) === null ? 'none' : 'custom';
    }
    return undefined;
  }

  private builtin(v: object): Builtin {
    if (Array.isArray(v)) return Builtin.Array;
    if (v instanceof Map) return Builtin.Map;
    if (isOpaqueBuiltin(v)) return Builtin.None;
    return Builtin.Object;
  }

  /** Whether `v` can be a node of the tree. */
  isTrackable(v: unknown): v is object {
    if (typeof v !== 'object' || v === null) return false;
    const cached = this.trackableCache.get(v);
    if (cached !== undefined) return cached;
    return this.check(v, null) === Answer.Yes;
  }

  /**
   * `inProgress` holds the class instances being examined higher up (made on the first one); a "no" that relied
   * on one of them (a reference cycle) is tentative and not cached, since that instance may yet turn out
   * trackable. A "yes" is always final.
   */
  private check(v: unknown, inProgress: Set<object> | null): Answer {
    if (typeof v !== 'object' || v === null) return Answer.No;
    const cached = this.trackableCache.get(v);
    if (cached !== undefined) return cached ? Answer.Yes : Answer.No;
    const custom = this.customKind(v);
    const kind = custom === undefined ? this.builtin(v) : custom === 'none' ? Builtin.None : null;
    if (kind !== Builtin.Object || isPlainObject(v)) {
      const ok = kind !== Builtin.None;
      this.trackableCache.set(v, ok);
      return ok ? Answer.Yes : Answer.No;
    }
    // A class instance counts when it holds something trackable (tf.Module-like).
    if (inProgress?.has(v) === true) return Answer.TentativeNo;
    const examining = inProgress ?? new Set<object>();
    examining.add(v);
    let answer = Answer.No;
    for (const x of Object.values(v)) {
      const r = this.check(x, examining);
      if (r === Answer.Yes) {
        answer = Answer.Yes;
        break;
      }
      if (r === Answer.TentativeNo) answer = Answer.TentativeNo;
    }
    examining.delete(v);
    if (answer !== Answer.TentativeNo) this.trackableCache.set(v, answer === Answer.Yes);
    return answer;
  }

  /** The trackable children of `obj` by name, in tracking order. */
  children(obj: object): Map<string, object> {
    let out = this.childCache.get(obj);
    if (out !== undefined) return out;
    out = new Map();
    const custom = this.customChildren(obj);
    if (custom !== undefined) {
      if (custom !== null) for (const [name, value] of entriesOf(custom)) if (this.isTrackable(value)) out.set(String(name), value);
    } else {
      switch (this.builtin(obj)) {
        case Builtin.Array: {
          const items = obj as unknown[];
          for (let i = 0; i < items.length; i++) if (this.isTrackable(items[i])) out.set(String(i), items[i] as object);
          break;
        }
        case Builtin.Map:
          for (const [key, value] of obj as Map<unknown, unknown>) if (typeof key === 'string' && this.isTrackable(value)) out.set(key, value);
          break;
        case Builtin.Object: {
          // Own enumerable string keys in insertion order, as Object.entries lists them, without a pair per key.
          const record = obj as Record<string, unknown>;
          for (const key of Object.keys(record)) {
            const value = record[key];
            if (this.isTrackable(value)) out.set(key, value);
          }
          break;
        }
        case Builtin.None:
          break;
      }
    }
    this.childCache.set(obj, out);
    return out;
  }

  /** Every object reachable from the root, breadth first, each once (identity), the root first. */
  descendants(): object[] {
    // No paths: building each object's path array cost an array per live object.
    const seen = new Set<object>([this.root]);
    const order: object[] = [this.root];
    for (let head = 0; head < order.length; head++) {
      for (const child of this.children(order[head]!).values()) {
        if (!seen.has(child)) {
          seen.add(child);
          order.push(child);
        }
      }
    }
    return order;
  }

  /** Descendants with the edge names of the first path that reached each. */
  descendantsWithPaths(): Array<[object, string[]]> {
    const paths = new Map<object, string[]>([[this.root, []]]);
    const order: Array<[object, string[]]> = [];
    const queue: object[] = [this.root];
    for (let head = 0; head < queue.length; head++) {
      const current = queue[head]!;
      order.push([current, paths.get(current)!]);
      for (const [name, child] of this.children(current)) {
        if (!paths.has(child)) {
          paths.set(child, [...paths.get(current)!, name]);
          queue.push(child);
        }
      }
    }
    return order;
  }
}
