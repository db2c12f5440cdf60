/**
 * Typed stand-ins for the non-null assertion: where this package has proved that an index is in range or a key is
 * present, these say so, and a broken proof surfaces as an InternalError naming what was missing instead of a
 * TypeError somewhere later.
 */
import { InternalError } from './errors';

/** `items[index]`, which the caller has proved in range; `what` names the collection for the error. */
export function at<T>(items: ArrayLike<T>, index: number, what: string): T {
  const item = items[index];
  if (item === undefined) throw new InternalError(`${what}: no element at index ${index} of ${items.length}`);
  return item;
}

/** `value`, which the caller has proved present; `what` names it for the error. */
export function present<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new InternalError(`${what} is missing`);
  return value;
}

/** `map.get(key)` for a key the caller has proved stored; `what` names the map for the error. */
export function got<K, V>(map: ReadonlyMap<K, V>, key: K, what: string): V {
  const value = map.get(key);
  if (value === undefined) throw new InternalError(`${what}: no entry for ${String(key)}`);
  return value;
}
