/**
 * Reassembly of a partitioned tensor from its stored slices: each slice's elements are copied into their place in
 * the full row-major array, a contiguous run (the slice's last dimension) at a time. Works for any rank, since
 * TensorFlow ≥ 2.13 cuts variables along several dimensions (row bands, then columns).
 */
import type { TensorSlice } from './entry';

/** The concrete (start, length) of every dimension of a slice of a tensor with `shape`. */
export function resolveSlice(slice: TensorSlice, shape: readonly number[]): Array<{ start: number; length: number }> {
  return slice.extents.map(({ start, length }, d) => ({ start, length: length === -1 ? shape[d]! : length }));
}

/** Number of elements a slice holds. */
export function sliceElements(slice: TensorSlice, shape: readonly number[]): number {
  return resolveSlice(slice, shape).reduce((n, e) => n * e.length, 1);
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
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  const run = ext[rank - 1]!.length;
  const index = new Array<number>(rank - 1).fill(0);
  let src = 0;
  for (;;) {
    let dst = ext[rank - 1]!.start;
    for (let d = 0; d < rank - 1; d++) dst += (ext[d]!.start + index[d]!) * strides[d]!;
    copy(src, dst, run);
    src += run;
    let d = rank - 2;
    while (d >= 0) {
      index[d]!++;
      if (index[d]! < ext[d]!.length) break;
      index[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}
