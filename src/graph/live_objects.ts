/**
 * How live JavaScript objects present themselves as a trackable tree, the equivalent of TensorFlow's
 * `Trackable._trackable_children(save_type)` and `TrackableView`.
 *
 * There is one protocol for children, and it takes the purpose of the listing (`ChildListing`): a view or match
 * (`'view'`), a restore (`'restore'`: every name a checkpoint may use for a child) or a save (`'save'`: the one
 * name layout a save writes). Children of a live object, in order of precedence:
 *  1. an object defining `[trackableChildren](listing)` lists its own children (like overriding
 *     `_trackable_children`);
 *  2. a registered adapter (tfjs variables; framework adapters such as src/keras's layers, models, optimizers);
 *  3. arrays: indices '0', '1', … of trackable elements (like TF's ListWrapper);
 *  4. Maps: string keys with trackable values (like TF's dict wrapper);
 *  5. plain objects and class instances: own enumerable string-keyed properties, in insertion order, whose values
 *     are trackable (like tf.Module's attribute auto-tracking).
 * Numbers, strings, functions, typed arrays and plain (non-variable) tensors are never children. A class instance
 * is trackable only when it holds something trackable; plain objects, arrays and Maps are trackable even when
 * empty, as TF tracks empty lists and dicts.
 *
 * Adapters may also carry the hooks through which a restore or save consults a framework without naming it
 * (`TrackableAdapter`): resolve a checkpoint child name, check a stored value, bind to a checkpoint node, place
 * optimizer slot variables, and pair objects tracked side by side.
 */
import { at, got } from '../checked';
import { Registry } from './registry';

/** Define `[trackableChildren](listing)` on any object to list its checkpoint children yourself. */
export const trackableChildren: unique symbol = Symbol.for('tfjs-checkpoint.trackableChildren') as never;

/**
 * Optionally define `[lookupDependency](name, view)` beside `[trackableChildren]` to find one child by name
 * without listing them all (TensorFlow's `Trackable._lookup_dependency`, which its restore uses the same way). It
 * must agree with the listing for `view.listing` as the view reads it: of the entries named `name` whose values
 * are trackable (`view.isTrackable`), the last; else undefined. `view.child(other, name)` looks a name up among
 * another object's children. A restore asks it for every child name of the object's checkpoint node, in checkpoint
 * order, names that repeat and names of nodes already bound included, so it must answer by name alone.
 */
export const lookupDependency: unique symbol = Symbol.for('tfjs-checkpoint.lookupDependency') as never;

/** The children an object lists for the checkpoint, by name, in order: `[name, child]` pairs, a Map or a plain object. */
export type ChildEntries =
  Iterable<readonly [string, unknown]> | ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>;

/** Why children are listed, as TensorFlow's `save_type`: names differ between what a save writes and a restore accepts. */
export type ListingMode = 'view' | 'restore' | 'save';

/**
 * The save layouts adapters understand, by name. A framework adapter adds its own by declaration merging
 * (src/keras/trackables/save_layout.ts adds 'keras2' and 'keras3'), so generic code can type them without naming
 * any framework.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by declaration merging
export interface SaveLayouts {}

export type SaveLayout = keyof SaveLayouts;

/** What a child listing is for: its mode and, for saves, the naming layout asked for. */
export interface ChildListing {
  readonly mode: ListingMode;
  /**
   * For saves: the naming layout the caller asked for (`SaveOptions.layout`), which framework adapters interpret;
   * undefined lets each adapter use its default.
   */
  readonly layout?: SaveLayout | undefined;
}

/** The listing of a leaf (a variable): one shared empty list, so listing 10^6 leaves allocates nothing. */
export const NO_CHILDREN: ChildEntries = Object.freeze([]);

export const VIEW_LISTING: ChildListing = { mode: 'view' };
export const RESTORE_LISTING: ChildListing = { mode: 'restore' };

/** An object that lists its own checkpoint children (TensorFlow's `_trackable_children(save_type)`). */
export interface TrackableProtocol {
  /** The object's children for `listing` (objects written before listings existed ignore the argument). */
  [trackableChildren](listing: ChildListing): ChildEntries;
  /** The child the listing names `name`, found without listing every child (see {@link lookupDependency}). */
  [lookupDependency]?(name: string, view: TrackableView): unknown;
}

/** Lookups of absent names after which an object is first asked whether listing it would answer faster. */
const MISSES_BEFORE_LISTING = 256;

/** Whether `name` is how an array index is named (`'0'`, `'17'`; not `'01'` or `'-1'`). */
function isIndexName(name: string): boolean {
  return name === '0' || /^[1-9][0-9]{0,15}$/.test(name);
}

/** A stored value's shape and dtype as a check sees them (before or after it is read). */
export interface StoredValueInfo {
  readonly shape: readonly number[];
  readonly dtype: string;
}

/** A slot variable a save writes for an optimizer: the variable it belongs to, its slot name and its value holder. */
export interface SavedSlot {
  readonly variable: object;
  readonly slotName: string;
  /** The slot node's attribute `full_name`. */
  readonly fullName: string;
  /** The value holder (an object with restorable attributes: its VARIABLE_VALUE is the slot's value). */
  readonly value: object;
}

/**
 * Teaches the package a kind of object it cannot inspect generically. Only `name`, `matches` and `children` are
 * required; the hooks let a framework adapter keep its knowledge to itself while restore and save stay generic.
 */
export interface TrackableAdapter {
  /** A short name for diagnostics. */
  readonly name: string;
  /** Whether this adapter handles `obj`. */
  matches(obj: object): boolean;
  /**
   * The children of `obj` for `listing`, or null if objects of this kind are never trackable (e.g. plain tfjs
   * tensors, which would otherwise look like class instances).
   */
  children(obj: object, listing: ChildListing): ChildEntries | null;
  /**
   * Restore: the live child of `obj` for each checkpoint child name, given the checkpoint node's children (name →
   * node id), for layouts where the name alone does not say (Keras 2's `layer-I` numbering shifted by one in old
   * Sequential checkpoints). Default: the child listed under that name. The function must answer by name alone:
   * a restore asks it for every child name, in checkpoint order, also for names that repeat or whose node is bound.
   */
  resolveChild?(
    obj: object,
    checkpointChildren: ReadonlyMap<string, number>,
    listed: ReadonlyMap<string, object>,
  ): (name: string) => object | undefined;
  /**
   * Restore: `obj` was bound to a checkpoint node with these children (name → node id); lets the adapter read
   * conventions off the checkpoint (which optimizer generation wrote it).
   */
  bind?(obj: object, checkpointChildren: ReadonlyMap<string, number>): void;
  /**
   * Restore: why `obj` cannot take the values below its checkpoint node yet (a layer not built), or null. The text
   * completes "Cannot restore <path> into …": what the object is, then why (`layer d: the layer has no weights …`).
   */
  unready?(obj: object): string | null;
  /**
   * Restore: the live object for slot `slotName` of `variable` in optimizer `obj` (a checkpoint's
   * `slot_variables`), or null when there is none.
   */
  slotFor?(obj: object, slotName: string, variable: object): object | null;
  /**
   * Restore: asked when a stored value's shape does not fit the variable `obj` that would take it; may throw a
   * typed error that says why more precisely than a shape mismatch (Keras's reset_after GRU bias).
   */
  checkValue?(obj: object, stored: StoredValueInfo, live: StoredValueInfo, path: string): void;
  /** Save: the slot variables to write for `obj` (an optimizer), each placed under its variable's node. */
  savedSlots?(obj: object, listing: ChildListing): readonly SavedSlot[];
  /** `obj` is tracked beside `siblings` (a Checkpoint's objects): pairs an optimizer with the model it trains. */
  trackedWith?(obj: object, siblings: readonly object[]): void;
}

const adapters = new Registry<TrackableAdapter>();

/** Registers an adapter; later registrations take precedence over earlier ones. Returns a function to remove it. */
export function registerTrackableAdapter(adapter: TrackableAdapter): () => void {
  return adapters.register(adapter);
}

/** The registered adapter that handles `obj`, if any. */
export function adapterFor(obj: object): TrackableAdapter | undefined {
  for (const adapter of adapters.items) if (adapter.matches(obj)) return adapter;
  return undefined;
}

/** Tells the adapters of `objects` that they are tracked together (see TrackableAdapter.trackedWith). */
export function trackTogether(objects: readonly object[]): void {
  for (const obj of objects) adapterFor(obj)?.trackedWith?.(obj, objects);
}

/** A short description of a live object for messages: `<Class 'name' shape=[…] dtype=…>`. */
export function describeLive(obj: unknown): string {
  if (obj === null || typeof obj !== 'object') return String(obj);
  const o = obj as {
    name?: unknown;
    shape?: unknown;
    dtype?: unknown;
    getClassName?: unknown;
    constructor?: { name?: unknown };
  };
  const cls =
    typeof o.getClassName === 'function'
      ? String((o.getClassName as () => unknown).call(obj))
      : typeof o.constructor?.name === 'string'
        ? o.constructor.name
        : 'Object';
  // tfjs's `name` is unique in the program (`hidden1/kernel_1` when two models have a `hidden1`).
  const name = typeof o.name === 'string' ? ` '${o.name}'` : '';
  const shape = Array.isArray(o.shape) ? ` shape=[${o.shape.join(',')}]` : '';
  const dtype = typeof o.dtype === 'string' ? ` dtype=${o.dtype}` : '';
  return `<${cls}${name}${shape}${dtype}>`;
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

/** What kind of container an object is, when no custom method or adapter speaks for it. */
const enum Builtin {
  None,
  Array,
  Map,
  Object,
}

/** check()'s answers: yes (final), no (final), and a no that relied on an instance still being examined. */
const enum Answer {
  No,
  Yes,
  TentativeNo,
}

/**
 * A view of the trackable tree under a root for one kind of listing, with TensorFlow's traversal order. Children
 * lists are computed once per object and cached for the view's lifetime, so one match/diff sees a consistent tree.
 * Listing a child costs no object beyond the cache entries (a restore lists 10^6 children).
 */
export class TrackableView {
  private readonly childCache = new Map<object, Map<string, object>>();
  private readonly trackableCache = new Map<object, boolean>();
  /** The adapter of each object whose children were listed (null: none), so hooks cost no second lookup. */
  private readonly adapterCache = new Map<object, TrackableAdapter | null>();
  /** child()'s lookup function of each object asked (an object delegating to another asks it once per name). */
  private readonly lookupCache = new Map<object, (name: string) => object | undefined>();

  constructor(
    readonly root: object,
    readonly listing: ChildListing = VIEW_LISTING,
  ) {}

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
   * `inProgress` holds the class instances being examined higher up (made for the first one); a "no" that relied
   * on one of them (a reference cycle) is tentative and not cached, since that instance may yet turn out
   * trackable. A "yes" is always final.
   */
  private check(v: unknown, inProgress: Set<object> | null): Answer {
    if (typeof v !== 'object' || v === null) return Answer.No;
    const cached = this.trackableCache.get(v);
    if (cached !== undefined) return cached ? Answer.Yes : Answer.No;
    let kind: Builtin | 'custom';
    if (typeof (v as Partial<TrackableProtocol>)[trackableChildren] === 'function') kind = 'custom';
    else {
      const adapter = adapterFor(v);
      // An adapter says "never trackable" by listing null children (cheap for the leaves most objects are).
      kind =
        adapter === undefined ? this.builtin(v) : adapter.children(v, this.listing) === null ? Builtin.None : 'custom';
    }
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
    const custom = (obj as Partial<TrackableProtocol>)[trackableChildren];
    const adapter = typeof custom === 'function' ? undefined : adapterFor(obj);
    this.adapterCache.set(obj, adapter ?? null);
    const listed =
      typeof custom === 'function'
        ? custom.call(obj, this.listing)
        : adapter !== undefined
          ? adapter.children(obj, this.listing)
          : undefined;
    if (listed !== undefined) {
      if (listed !== null)
        for (const [name, value] of entriesOf(listed)) if (this.isTrackable(value)) out.set(name, value);
    } else {
      switch (this.builtin(obj)) {
        case Builtin.Array: {
          const items = obj as unknown[];
          for (let i = 0; i < items.length; i++)
            if (i in items && this.isTrackable(items[i])) out.set(String(i), items[i] as object);
          break;
        }
        case Builtin.Map:
          for (const [key, value] of obj as Map<unknown, unknown>)
            if (typeof key === 'string' && this.isTrackable(value)) out.set(key, value);
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

  /** The child `children(obj)` names `name`, or undefined (see childLookup). */
  child(obj: object, name: string): object | undefined {
    let lookup = this.lookupCache.get(obj);
    if (lookup === undefined) this.lookupCache.set(obj, (lookup = this.childLookup(obj)));
    return lookup(name);
  }

  /**
   * A function that finds the child `children(obj)` names `name`, or undefined. Plain containers and objects with
   * a `[lookupDependency]` answer without listing every child: a restore looks up the checkpoint's names one by
   * one, and listing a root of 10^6 children cost a Map entry per child before any was used. What kind of object
   * `obj` is gets decided once, not per name.
   */
  childLookup(obj: object): (name: string) => object | undefined {
    if (this.childCache.has(obj)) return this.listedLookup(obj);
    const trackable = (value: unknown): object | undefined => (this.isTrackable(value) ? value : undefined);
    const custom = obj as Partial<TrackableProtocol>;
    if (typeof custom[trackableChildren] === 'function') {
      const lookup = custom[lookupDependency];
      if (typeof lookup !== 'function') return this.listedLookup(obj);
      return (name) => trackable(lookup.call(obj, name, this));
    }
    if (this.adapterOf(obj) !== undefined) return this.listedLookup(obj);
    switch (this.builtin(obj)) {
      case Builtin.Array: {
        const items = obj as unknown[];
        return (name) => {
          if (!isIndexName(name)) return undefined;
          const i = Number(name);
          return i < items.length && i in items ? trackable(items[i]) : undefined;
        };
      }
      case Builtin.Map: {
        const map = obj as Map<unknown, unknown>;
        return (name) => trackable(map.get(name));
      }
      case Builtin.Object: {
        const record = obj as Record<string, unknown>;
        let misses = 0;
        let listAt = MISSES_BEFORE_LISTING;
        let listed: Map<string, object> | null = null;
        return (name) => {
          if (listed !== null) return listed.get(name);
          // Object.keys's set: own, enumerable, string-keyed.
          if (Object.prototype.propertyIsEnumerable.call(record, name)) return trackable(record[name]);
          // A name the object lacks costs most (the engine looks it up among every string it has interned): when
          // they outnumber the object's properties (a hostile file's 10^6 names against a small model), its
          // listing, which costs about a lookup per property, answers them instead. Properties are counted at most
          // twice: after 256 misses, and once the misses are four times that count.
          if (++misses === listAt) {
            const properties = Object.keys(record).length;
            if (properties < misses) listed = this.children(obj);
            else listAt = 4 * properties;
          }
          return undefined;
        };
      }
      case Builtin.None:
        return () => undefined;
    }
  }

  private listedLookup(obj: object): (name: string) => object | undefined {
    const listed = this.children(obj);
    return (name) => listed.get(name);
  }

  /** The adapter that handles `obj` (hooks are asked through it), if any. */
  adapterOf(obj: object): TrackableAdapter | undefined {
    const cached = this.adapterCache.get(obj);
    if (cached !== undefined) return cached ?? undefined;
    const custom = (obj as Partial<TrackableProtocol>)[trackableChildren];
    const adapter = typeof custom === 'function' ? undefined : adapterFor(obj);
    this.adapterCache.set(obj, adapter ?? null);
    return adapter;
  }

  /** Every object reachable from the root, breadth first, each once (identity), the root first. */
  descendants(): object[] {
    // No paths: building each object's path array cost an array per live object.
    const seen = new Set<object>([this.root]);
    const order: object[] = [this.root];
    for (let head = 0; head < order.length; head++) {
      for (const child of this.children(at(order, head, 'descendants')).values()) {
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
      const current = at(queue, head, 'descendants');
      const path = got(paths, current, 'paths');
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
