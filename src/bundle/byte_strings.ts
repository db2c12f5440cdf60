/**
 * The values of a string tensor as one buffer plus offsets, presented as the `Uint8Array[]` of the public
 * TensorValue type. An array holding one Uint8Array per element costs about 200 bytes of heap each: 26 million
 * empty strings (a 26 MB file) took over 5 GB. Here an element costs its offset (4 or 8 bytes) and becomes a
 * Uint8Array (a view into the buffer) only when it is read. The object is a real array to `Array.isArray`,
 * iteration, `map`, `length` and indexing; elements assigned by the caller are kept as assigned.
 */

type Offsets = Uint32Array | Float64Array;

interface Storage {
  readonly payload: Uint8Array;
  /** Element i is payload[offsets[i], offsets[i + 1]). */
  readonly offsets: Offsets;
  /** Set once the caller assigns or deletes an element: the array then differs from its storage. */
  modified: boolean;
}

// A WeakMap: the storage belongs to a string array handed to the caller, which must stay a plain array (no extra
// field) and whose storage must go when the array does.
const storages = new WeakMap<object, Storage>();

/** Offsets able to hold positions up to `total`. */
export function offsetsFor(count: number, total: number): Offsets {
  return total <= 0xffffffff ? new Uint32Array(count + 1) : new Float64Array(count + 1);
}

/** The index named by a property key, or −1. */
function indexOf(prop: string | symbol, count: number): number {
  if (typeof prop !== 'string' || prop.length === 0 || prop.length > 16) return -1;
  const c = prop.charCodeAt(0);
  if (c < 48 || c > 57 || (c === 48 && prop.length > 1)) return -1;
  const i = Number(prop);
  return Number.isSafeInteger(i) && i < count ? i : -1;
}

/** A `Uint8Array[]` whose element i is `payload.subarray(offsets[i], offsets[i + 1])`, made when read. */
export function byteStrings(payload: Uint8Array, offsets: Offsets): Uint8Array[] {
  const count = offsets.length - 1;
  const storage: Storage = { payload, offsets, modified: false };
  // A holey array of that length: no per-element storage until an element is assigned.
  const target = new Array<Uint8Array>(count);
  // An assigned element, else the view of its bytes (a hole reads as undefined).
  const element = (t: Uint8Array[], i: number): Uint8Array => t[i] ?? payload.subarray(offsets[i], offsets[i + 1]);
  const proxy = new Proxy(target, {
    get(t, prop, receiver) {
      const i = indexOf(prop, count);
      return i >= 0 ? element(t, i) : (Reflect.get(t, prop, receiver) as unknown);
    },
    has(t, prop) {
      return indexOf(prop, count) >= 0 || Reflect.has(t, prop);
    },
    getOwnPropertyDescriptor(t, prop) {
      const i = indexOf(prop, count);
      if (i < 0 || Object.prototype.hasOwnProperty.call(t, i)) return Reflect.getOwnPropertyDescriptor(t, prop);
      return { value: element(t, i), writable: true, enumerable: true, configurable: true };
    },
    ownKeys(t) {
      const keys: Array<string | symbol> = Array.from({ length: count }, (_, i) => String(i));
      for (const k of Reflect.ownKeys(t)) if (typeof k !== 'string' || indexOf(k, count) < 0) keys.push(k);
      return keys;
    },
    set(t, prop, value, receiver) {
      // Growing or shrinking the array would detach it from the offsets; only elements may be replaced.
      if (prop === 'length' && value !== count) return false;
      if (indexOf(prop, count) >= 0) storage.modified = true;
      return Reflect.set(t, prop, value, receiver);
    },
    defineProperty(t, prop, descriptor) {
      if (prop === 'length') return false;
      if (indexOf(prop, count) >= 0) storage.modified = true;
      return Reflect.defineProperty(t, prop, descriptor);
    },
    deleteProperty(t, prop) {
      if (indexOf(prop, count) >= 0) storage.modified = true;
      return Reflect.deleteProperty(t, prop);
    },
  });
  storages.set(proxy, storage);
  return proxy;
}

/** The buffer and offsets behind an array made by byteStrings and never modified since, else null. */
export function storageOf(values: readonly Uint8Array[]): Storage | null {
  const storage = storages.get(values);
  return storage === undefined || storage.modified ? null : storage;
}
