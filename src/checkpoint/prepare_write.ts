/**
 * Checking that a checkpoint value fits its planned target and converting it, shared by every restore path: the
 * check from the index alone (before any byte is read) and the conversion of a value read into new memory.
 */
import { at } from '../checked';
import { type TensorEntry, type TensorValue, tfjsDTypeOf } from '../bundle';
import { MismatchError } from '../errors';
import { isLayerVariable, type PreparedWrite, shapeMismatch } from '../trackable';
import type { RestorePlan } from './restore';

/** A [2, 3·units] checkpoint bias for a [3·units] tfjs GRU bias: Keras's reset_after=True layout. */
function isKerasResetAfterGruBias(stored: readonly number[], live: readonly number[], target: unknown): boolean {
  const name = isLayerVariable(target) ? target.originalName : '';
  return /gru[^/]*\/bias$/i.test(name) && stored.length === 2 && stored[0] === 2 && live.length === 1 && stored[1] === live[0];
}

/** The checkpoint path that names write `i` in errors. */
export function writePath(plan: RestorePlan, i: number): string {
  const w = at(plan.writes, i, 'writes');
  return plan.names.get(w.nodeId) ?? w.key;
}

function rejectGruResetAfter(plan: RestorePlan, i: number, stored: readonly number[]): void {
  const w = at(plan.writes, i, 'writes');
  if (isKerasResetAfterGruBias(stored, w.target.shape, plan.bindings.get(w.nodeId))) {
    throw shapeMismatch(
      stored,
      w.target.shape,
      writePath(plan, i),
      'This is the bias of a Keras GRU with reset_after=True (the Keras default), shaped [2, 3*units]; ' +
        "tfjs's GRU implements only reset_after=False and cannot represent these weights. Use this package's " +
        'KerasGRU layer (registered on import; className "KerasGRU"), which runs Keras\'s GRU with these weights.',
    );
  }
}

/** Validates and converts the value of write `i`; nothing changes until the result is committed. */
export function prepareWrite(plan: RestorePlan, i: number, value: TensorValue): PreparedWrite {
  rejectGruResetAfter(plan, i, value.shape);
  return at(plan.writes, i, 'writes').target.prepare(value, writePath(plan, i));
}

/**
 * What `prepareWrite` would reject for its shape or dtype, found from the index entry alone, so a restore that
 * writes as it reads can refuse before its first write. Values are checked later (an int64 that does not fit
 * int32 is found only when read).
 */
export function checkFits(plan: RestorePlan, i: number, entry: TensorEntry): void {
  const target = at(plan.writes, i, 'writes').target;
  // Only variables follow tensorFor's rules; strings and other holders' values are checked by their prepare().
  if (target.inPlace === undefined || entry.dtype === 'string' || target.dtype === 'string') return;
  rejectGruResetAfter(plan, i, entry.shape);
  if (entry.shape.length !== target.shape.length || entry.shape.some((d, k) => d !== target.shape[k])) {
    throw shapeMismatch(entry.shape, target.shape, writePath(plan, i));
  }
  if (tfjsDTypeOf(entry.dtype as TensorValue['dtype']) !== target.dtype) {
    throw new MismatchError(
      `Cannot restore ${writePath(plan, i)}: the checkpoint holds ${entry.dtype}, the variable is ${target.dtype} ` +
        '(TensorFlow does not cast either)',
      { key: writePath(plan, i) },
    );
  }
}
