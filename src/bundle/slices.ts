/**
 * Reassembly of a partitioned tensor from its stored slices: each slice's elements are copied into their place in
 * the full row-major array, a contiguous run (the slice's last dimension) at a time. Works for any rank, since
 * TensorFlow ≥ 2.13 cuts variables along several dimensions (row bands, then columns).
 */
import { at } from '../checked';
import type { TensorSlice } from './entry';

type Extent = { start: number; length: number };

/** The concrete (start, length) of every dimension of a slice of a tensor with `shape`. */
export function resolveSlice(slice: TensorSlice, shape: readonly number[]): Extent[] {
  return slice.extents.map(({ start, length }, d) => ({
    start,
    length: length === -1 ? at(shape, d, 'shape') : length,
  }));
}

/**
 * Calls `copy(srcElement, dstElement, count)` for each contiguous run of the slice inside the full tensor, with
 * element indices into the slice's own row-major array and the full tensor's.
 */
export function forEachSliceRun(
  slice: TensorSlice,
  shape: readonly number[],
  copy: (src: number, dst: number, count: number) => void,
): void {
  const ext = resolveSlice(slice, shape);
  const rank = shape.length;
  if (rank === 0) {
    copy(0, 0, 1);
    return;
  }
  if (ext.some((e) => e.length === 0)) return;
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = at(strides, d + 1, 'strides') * at(shape, d + 1, 'shape');
  const last = at(ext, rank - 1, 'extents');
  const run = last.length;
  const index = new Array<number>(rank - 1).fill(0);
  let src = 0;
  for (;;) {
    let dst = last.start;
    for (let d = 0; d < rank - 1; d++)
      dst += (at(ext, d, 'extents').start + at(index, d, 'index')) * at(strides, d, 'strides');
    copy(src, dst, run);
    src += run;
    let d = rank - 2;
    while (d >= 0) {
      const next = at(index, d, 'index') + 1;
      if (next < at(ext, d, 'extents').length) {
        index[d] = next;
        break;
      }
      index[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}

/** Most slices one partitioned tensor may list (TensorFlow's size-capped shards cut a 10 GB variable into ~10,000). */
export const MAX_SLICES = 1 << 14;

/** TensorFlow's TensorSlice::DebugString: `start,length` per dimension, `-` for a full one, joined by `:`. */
export function sliceDebugString(slice: TensorSlice): string {
  return slice.extents.map((e) => (e.length === -1 ? '-' : `${e.start},${e.length}`)).join(':');
}

/**
 * Why the slices of a tensor of `shape` do not tile it exactly once, in TensorFlow's words, or null when they do.
 * No two slices may share an element (TensorFlow: "Overlapping slices"; a duplicate slice makes its reader abort),
 * and then the slices' element counts must add up to the tensor's (else TensorFlow's "Does not have sufficient
 * slices"): disjoint slices inside the tensor that hold as many elements as it does cover every element.
 *
 * Overlaps are found by a sweep along the dimension whose slices start at the most distinct places, so row bands
 * and column bands both cost about linear time; at most MAX_SLICES slices are accepted.
 */
export function slicesProblem(key: string, slices: readonly TensorSlice[], shape: readonly number[]): string | null {
  if (slices.length > MAX_SLICES)
    return `${key} is stored as ${slices.length} slices, more than the cap of ${MAX_SLICES}`;
  const boxes = slices.map((s) => resolveSlice(s, shape));
  const rank = shape.length;
  let axis = 0;
  let most = -1;
  for (let d = 0; d < rank; d++) {
    const distinct = new Set(boxes.map((b) => at(b, d, 'extents').start)).size;
    if (distinct > most) [axis, most] = [d, distinct];
  }
  // Each box with its position in `slices`, sorted along the sweep axis.
  const order = boxes.map((box, i) => ({ box, i }));
  const startOf = (box: Extent[]): number => at(box, axis, 'extents').start;
  if (rank > 0) order.sort((a, b) => startOf(a.box) - startOf(b.box) || a.i - b.i);
  const empty = (b: Extent[]): boolean => b.some((e) => e.length === 0);
  for (const [x, { box: bi, i }] of order.entries()) {
    if (empty(bi)) continue;
    const end = rank > 0 ? startOf(bi) + at(bi, axis, 'extents').length : 1;
    for (let y = x + 1; y < order.length; y++) {
      const { box: bj, i: j } = at(order, y, 'sweep order');
      if (rank > 0 && startOf(bj) >= end) break;
      if (empty(bj)) continue;
      if (
        bi.every((e, d) => {
          const f = at(bj, d, 'extents');
          return e.start < f.start + f.length && f.start < e.start + e.length;
        })
      ) {
        // TensorFlow registers slices in listed order and names the earlier one "existing".
        const [first, second] = i < j ? [i, j] : [j, i];
        return `Overlapping slices: existing slice = ${sliceDebugString(at(slices, first, 'slices'))}, new slice = ${sliceDebugString(at(slices, second, 'slices'))}`;
      }
    }
  }
  const covered = boxes.reduce((n, b) => n + b.reduce((m, e) => m * e.length, 1), 0);
  const count = shape.reduce((n, d) => n * d, 1);
  if (covered !== count) {
    return `Does not have sufficient slices for partitioned tensor ${key} to restore in slice_spec: ${shape.map(() => '-').join(':')}`;
  }
  return null;
}
