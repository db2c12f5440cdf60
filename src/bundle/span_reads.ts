/**
 * Small tensors that lie next to each other in a local data file, read together: one positional read per span of
 * adjacent tensors instead of one per tensor. Each read of a local file is a round trip through the thread pool
 * (tens of microseconds on a loaded machine), so 100,000 variables of a few bytes took seconds in reads alone.
 * Only exactly adjacent regions are joined, so no byte is read that was not asked for.
 */
import { at } from '../checked';
import type { ByteSource } from '../io';

/** Tensors up to this size are read in spans… */
export const SPAN_TENSOR_MAX = 64 << 10;
/** …of at most this many bytes. */
const SPAN_MAX = 1 << 20;

interface Span {
  start: number;
  end: number;
  /** Reads still to be served from it; its bytes are let go after the last. */
  users: number;
  bytes: Promise<Uint8Array> | null;
}

export class SpanReads implements ByteSource {
  readonly name: string;
  readonly size: number;
  readonly readPieceSize: number | undefined;
  private readonly spans: Span[] = [];

  /**
   * Spans over `regions` (offset and size of each distinct region, each to be read exactly once, in one read: no
   * larger than the source's piece size) of `source`.
   */
  constructor(
    private readonly source: ByteSource,
    regions: ReadonlyArray<{ offset: number; size: number }>,
  ) {
    this.name = source.name;
    this.size = source.size;
    this.readPieceSize = source.readPieceSize;
    const sorted = regions.filter((r) => r.size > 0 && r.size <= SPAN_TENSOR_MAX).sort((a, b) => a.offset - b.offset);
    let current: Span | null = null;
    for (const r of sorted) {
      if (current !== null && r.offset === current.end && r.offset + r.size - current.start <= SPAN_MAX) {
        current.end = r.offset + r.size;
        current.users++;
        continue;
      }
      if (current !== null && current.users > 1) this.spans.push(current);
      current = { start: r.offset, end: r.offset + r.size, users: 1, bytes: null };
    }
    if (current !== null && current.users > 1) this.spans.push(current);
  }

  /** Whether any span joins two or more regions (otherwise reading through this gains nothing). */
  get useful(): boolean {
    return this.spans.length > 0;
  }

  async read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array> {
    const span = this.spanOf(offset, length);
    if (span === null) return this.source.read(offset, length, target);
    span.bytes ??= this.source.read(span.start, span.end - span.start);
    const bytes = await span.bytes;
    if (--span.users === 0) span.bytes = null;
    const view = bytes.subarray(offset - span.start, offset - span.start + length);
    if (target === undefined) return view.slice();
    target.set(view);
    return target;
  }

  private spanOf(offset: number, length: number): Span | null {
    let lo = 0;
    let hi = this.spans.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at(this.spans, mid, 'spans').start <= offset) lo = mid + 1;
      else hi = mid;
    }
    const span = lo > 0 ? at(this.spans, lo - 1, 'spans') : null;
    return span !== null && offset + length <= span.end ? span : null;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
