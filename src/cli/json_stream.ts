/**
 * JSON written as it is produced, in exactly the layout of `JSON.stringify(value, null, 2)`. One string holding a
 * checkpoint's values overflows V8's string limit (≈512 MiB: "Invalid string length" on a 96 MiB checkpoint), so
 * `inspect --all-tensors --json` writes piece by piece, and long arrays (a tensor's values) are produced one
 * element at a time from a LazyJsonArray instead of being built first.
 */

/** An array whose elements are made as they are written. */
export class LazyJsonArray {
  constructor(
    readonly length: number,
    readonly at: (index: number) => unknown,
  ) {}

  /** Whole, for the places that build their JSON with JSON.stringify (small outputs). */
  toJSON(): unknown[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }
}

/** The pieces of `value` as JSON.stringify(value, null, 2) would lay it out, nested at `indent`. */
export function* jsonPieces(value: unknown, indent = ''): Generator<string> {
  const inner = `${indent}  `;
  if (value instanceof LazyJsonArray || Array.isArray(value)) {
    const n = value.length;
    if (n === 0) {
      yield '[]';
      return;
    }
    const at = value instanceof LazyJsonArray ? value.at : (i: number): unknown => (value as unknown[])[i];
    yield '[';
    for (let i = 0; i < n; i++) {
      const v = at(i);
      const sep = i === 0 ? `\n${inner}` : `,\n${inner}`;
      if (isContainer(v)) {
        yield sep;
        yield* jsonPieces(v, inner);
      } else {
        yield sep + scalarJson(v);
      }
    }
    yield `\n${indent}]`;
    return;
  }
  if (value !== null && typeof value === 'object' && !('toJSON' in value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
    if (entries.length === 0) {
      yield '{}';
      return;
    }
    yield '{';
    let first = true;
    for (const [k, v] of entries) {
      yield `${first ? '' : ','}\n${inner}${JSON.stringify(k)}: `;
      first = false;
      if (isContainer(v)) yield* jsonPieces(v, inner);
      else yield JSON.stringify(v);
    }
    yield `\n${indent}}`;
    return;
  }
  yield stringify(value);
}

function scalarJson(v: unknown): string {
  // String() is JSON's form of a finite number, and much faster than JSON.stringify for millions of them.
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  return stringify(v);
}

/** JSON.stringify, with `null` where it gives undefined (for undefined, functions and symbols) whatever its type says. */
function stringify(v: unknown): string {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol' ? 'null' : JSON.stringify(v);
}

function isContainer(v: unknown): boolean {
  return v instanceof LazyJsonArray || Array.isArray(v) || (v !== null && typeof v === 'object' && !('toJSON' in v));
}

/** Collects small pieces into writes of about 64 KiB, waiting for the stream to drain when it asks to. */
export class JsonSink {
  private pending = '';

  constructor(private readonly stream: NodeJS.WritableStream) {}

  async write(piece: string): Promise<void> {
    this.pending += piece;
    if (this.pending.length >= 1 << 16) await this.flush();
  }

  async writeAll(pieces: Iterable<string>): Promise<void> {
    // Awaiting only to flush: an await per piece made a million values take seconds.
    for (const p of pieces) {
      this.pending += p;
      if (this.pending.length >= 1 << 16) await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.pending === '') return;
    const chunk = this.pending;
    this.pending = '';
    if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once('drain', () => resolve()));
  }
}
