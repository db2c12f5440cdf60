/**
 * Checking that a checkpoint value fits its planned target and converting it, shared by every restore path: the
 * check from the index alone (before any byte is read) and the conversion of a value read into new memory.
 */
import type { TensorEntry, TensorValue } from '../bundle';
import { MismatchError } from '../errors';
import type { StoredValueInfo } from '../graph';
import { type PreparedWrite, shapeMismatch, tfjsDTypeOf } from '../trackable';
import type { RestorePlan } from './restore';

/** The checkpoint path that names write `i` in errors. */
export function writePath(plan: RestorePlan, i: number): string {
  const w = plan.writes[i];
  if (w === undefined) throw new RangeError(`no planned write ${i}`);
  return plan.names.get(w.nodeId) ?? w.key;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k]);
}

/**
 * A stored value whose shape does not fit its variable: the bound object's adapter may explain why more
 * precisely (checkValue) before the generic mismatch is reported. Asked only on a mismatch, so the common path
 * looks up no adapter.
 */
function checkStoredShape(plan: RestorePlan, i: number, stored: StoredValueInfo): void {
  const w = plan.writes[i];
  if (w === undefined || sameShape(stored.shape, w.target.shape)) return;
  const obj = plan.bindings.get(w.nodeId);
  if (obj === undefined) return;
  plan.live
    .adapterOf(obj)
    ?.checkValue?.(obj, stored, { shape: w.target.shape, dtype: w.target.dtype }, writePath(plan, i));
}

/** Validates and converts the value of write `i`; nothing changes until the result is committed. */
export function prepareWrite(plan: RestorePlan, i: number, value: TensorValue): PreparedWrite {
  checkStoredShape(plan, i, value);
  const w = plan.writes[i];
  if (w === undefined) throw new RangeError(`no planned write ${i}`);
  return w.target.prepare(value, writePath(plan, i));
}

/**
 * What `prepareWrite` would reject for its shape or dtype, found from the index entry alone, so a restore that
 * writes as it reads can refuse before its first write. Values are checked later (an int64 that does not fit
 * int32 is found only when read).
 */
export function checkFits(plan: RestorePlan, i: number, entry: TensorEntry): void {
  const target = plan.writes[i]?.target;
  // Only variables follow tensorFor's rules; strings and other holders' values are checked by their prepare().
  if (target?.inPlace === undefined || entry.dtype === 'string' || target.dtype === 'string') return;
  checkStoredShape(plan, i, entry);
  if (!sameShape(entry.shape, target.shape)) throw shapeMismatch(entry.shape, target.shape, writePath(plan, i));
  if (tfjsDTypeOf(entry.dtype as TensorValue['dtype']) !== target.dtype) {
    throw new MismatchError(
      `Cannot restore ${writePath(plan, i)}: the checkpoint holds ${entry.dtype}, the variable is ${target.dtype} ` +
        '(TensorFlow does not cast either)',
      { key: writePath(plan, i) },
    );
  }
}
