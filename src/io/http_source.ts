/**
 * One file of a checkpoint read over HTTP. Every request after the first is pinned to the version first seen
 * (ETag with If-Match, else Last-Modified with If-Unmodified-Since, and the size), so a file replaced on the
 * server mid-read fails clearly instead of mixing two checkpoints. Announced reads (`willRead`) are merged into
 * runs of contiguous bytes, one request per run, streamed straight into the callers' buffers and resumed where
 * they stopped when a connection drops. A server that ignores Range is read once, whole.
 */
import { CorruptCheckpointError, IOError } from '../errors';
import { logger } from '../logger';
import type { FetchResponse, HttpClient } from './http_client';
import { replaced, transient } from './http_client';
import { checkRange } from './range';
import type { ByteSource, PlannedRead } from './types';

/** The version of a file that every later request must still see. */
export interface Pin {
  etag: string | null;
  lastModified: string | null;
  size: number;
}

/** Bytes [start, end) fetched in one request, delivered into the buffers of the reads inside it. */
interface Run {
  start: number;
  end: number;
  reads: PlannedRead[];
  /** Bytes of the run delivered so far. */
  received: number;
  done: Promise<void>;
  failed: Error | null;
  /** Reads waiting for the run to reach `needed` bytes (woken only then, not on every chunk). */
  waiters: Array<{ needed: number; wake: () => void }>;
}

let warnedRangeIgnored = false;

export class HttpSource implements ByteSource {
  readonly size: number;
  /** The whole file, once a server that ignores Range has sent it. */
  private whole: Promise<Uint8Array> | null;
  private runs: Run[] = [];
  private closed = false;
  /** Aborts this file's requests in flight when it is closed (a failed restore stops downloading). */
  private readonly closing = new AbortController();
  /** Open once a response has shown whether the server honours Range. */
  private rangeGate: Promise<void> | null = null;

  get isOpen(): boolean {
    return !this.closed;
  }

  constructor(
    private readonly client: HttpClient,
    readonly name: string,
    private readonly url: string,
    private readonly headers: Record<string, string>,
    readonly pin: Pin,
    whole: Uint8Array | null,
    private readonly mergeGap: number,
    private readonly checkOrigin: (res: FetchResponse) => void,
  ) {
    this.size = pin.size;
    this.whole = whole === null ? null : Promise.resolve(whole);
  }

  /** Headers that pin a request to the version first seen. */
  conditions(): Record<string, string> {
    const { etag, lastModified } = this.pin;
    // If-Match compares strongly, so a weak validator can only be compared by hand (see checkVersion).
    if (etag !== null && !etag.startsWith('W/')) return { 'If-Match': etag };
    if (lastModified !== null) return { 'If-Unmodified-Since': lastModified };
    return {};
  }

  /** Fails when a response shows a different version of the file than the pinned one. */
  checkVersion(res: FetchResponse, total: number | null): void {
    const etag = res.headers.get('etag');
    const changed =
      (etag !== null && this.pin.etag !== null && etag !== this.pin.etag) ||
      (total !== null && total !== this.pin.size) ||
      (this.pin.etag === null &&
        this.pin.lastModified !== null &&
        res.headers.get('last-modified') !== null &&
        res.headers.get('last-modified') !== this.pin.lastModified);
    if (changed) throw replaced(this.url);
  }

  async read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array> {
    checkRange(this.name, this.size, offset, length, target);
    if (this.closed) throw new IOError(`${this.url} was closed`, { file: this.url });
    const out = target ?? new Uint8Array(length);
    if (length === 0) return out;
    if (this.whole !== null) {
      out.set((await this.whole).subarray(offset, offset + length));
      return out;
    }
    const run = this.runs.find((r) =>
      r.reads.some((p) => p.offset === offset && p.length === length && p.target === target),
    );
    if (run !== undefined) {
      try {
        await this.until(run, offset + length - run.start);
      } finally {
        this.claim(run, offset, length, out);
      }
      return out;
    }
    await this.fetchRange(offset, offset + length, (at, chunk) => out.set(chunk, at - offset));
    return out;
  }

  /**
   * Asks the server, with one conditional request for one byte, whether it still serves the pinned version (even
   * when this file's bytes are all in memory already). Fails with the "changed on the server" IOError if not.
   */
  async revalidate(): Promise<void> {
    if (this.closed) throw new IOError(`${this.url} was closed`, { file: this.url });
    if (this.size === 0) return;
    await this.client.exchange(
      this.url,
      'GET',
      () => ({ ...this.headers, ...this.conditions(), Range: 'bytes=0-0' }),
      async (res, body) => {
        this.checkOrigin(res);
        this.checkVersion(
          res,
          res.status === 206 ? (parseContentRange(res.headers.get('content-range'))?.total ?? null) : null,
        );
        await body(() => undefined);
      },
      undefined,
      this.closing.signal,
    );
  }

  /** A read took its bytes from `run`: the run stops referring to its buffer, and is dropped once none is left. */
  private claim(run: Run, offset: number, length: number, target: Uint8Array): void {
    run.reads = run.reads.filter((p) => !(p.offset === offset && p.length === length && p.target === target));
    if (run.reads.length === 0) this.runs = this.runs.filter((r) => r !== run);
  }

  /**
   * Every request after the first is pinned to the version first seen (If-Match); with a strong ETag the server
   * vouches that the bytes are that version's, byte for byte. A weak ETag or a Last-Modified date (whole
   * seconds) does not, so without a strong one the caller checks the bytes themselves.
   */
  async identity(): Promise<string | null> {
    const { etag } = this.pin;
    return !this.closed && etag !== null && !etag.startsWith('W/') ? `${etag} ${this.size}` : null;
  }

  willRead(reads: readonly PlannedRead[]): void {
    if (this.whole !== null || this.closed || reads.length === 0) return;
    const sorted = [...reads].filter((r) => r.length > 0).sort((a, b) => a.offset - b.offset);
    let current: Run | null = null;
    for (const r of sorted) {
      checkRange(this.name, this.size, r.offset, r.length, r.target);
      if (current !== null && r.offset <= current.end + this.mergeGap) {
        current.end = Math.max(current.end, r.offset + r.length);
        current.reads.push(r);
      } else {
        if (current !== null) this.startRun(current);
        current = {
          start: r.offset,
          end: r.offset + r.length,
          reads: [r],
          received: 0,
          done: Promise.resolve(),
          failed: null,
          waiters: [],
        };
      }
    }
    if (current !== null) this.startRun(current);
  }

  private startRun(run: Run): void {
    this.runs.push(run);
    const wake = (): void => {
      const settled = run.failed !== null;
      run.waiters = run.waiters.filter((w) => {
        if (!settled && w.needed > run.received) return true;
        w.wake();
        return false;
      });
    };
    // Each chunk goes to the reads it overlaps; bytes between merged reads are dropped. Chunks arrive in order
    // and the reads are sorted, so the scan starts at the first read not yet complete.
    const order = [...run.reads];
    let first = 0;
    const deliver = (at: number, chunk: Uint8Array): void => {
      const chunkEnd = at + chunk.length;
      for (let r = order[first]; r !== undefined && r.offset + r.length <= at; r = order[first]) first++;
      for (let i = first, r = order[i]; r !== undefined && r.offset < chunkEnd; r = order[++i]) {
        const from = Math.max(at, r.offset);
        const to = Math.min(chunkEnd, r.offset + r.length);
        if (from < to) r.target.set(chunk.subarray(from - at, to - at), from - r.offset);
      }
      run.received = chunkEnd - run.start;
      wake();
    };
    // A finished run stays listed until its reads have claimed it (read() then finds it done at once).
    run.done = this.fetchRange(run.start, run.end, deliver).then(
      () => {
        run.received = run.end - run.start;
        wake();
      },
      (err: unknown) => {
        run.failed =
          err instanceof Error
            ? err
            : new IOError(`Failed to read ${this.url}: ${String(err)}`, { file: this.url, cause: err });
        wake();
      },
    );
  }

  private async until(run: Run, needed: number): Promise<void> {
    while (run.failed === null && run.received < needed) {
      await new Promise<void>((resolve) => run.waiters.push({ needed, wake: resolve }));
    }
    if (run.failed !== null) throw run.failed;
  }

  /**
   * Fetches bytes [start, end), resuming after a dropped connection, and hands them over in order. Until a first
   * response shows whether the server honours Range, further requests for this file wait: a server that ignores
   * it would otherwise send the whole file once per request.
   */
  private async fetchRange(start: number, end: number, sink: (at: number, chunk: Uint8Array) => void): Promise<void> {
    let openGate: (() => void) | null = null;
    if (this.rangeGate === null) this.rangeGate = new Promise<void>((resolve) => (openGate = resolve));
    else await this.rangeGate;
    if (this.whole !== null) {
      sink(start, (await this.whole).subarray(start, end));
      return;
    }
    let next = start;
    try {
      await this.exchangeRange(
        start,
        end,
        () => next,
        (n) => (next = n),
        sink,
        () => openGate?.(),
      );
    } finally {
      (openGate as (() => void) | null)?.();
    }
  }

  private async exchangeRange(
    start: number,
    end: number,
    getNext: () => number,
    setNext: (n: number) => void,
    sink: (at: number, chunk: Uint8Array) => void,
    headersArrived: () => void,
  ): Promise<void> {
    await this.client.exchange(
      this.url,
      'GET',
      () => ({ ...this.headers, ...this.conditions(), Range: `bytes=${getNext()}-${end - 1}` }),
      async (res, body) => {
        this.checkOrigin(res);
        if (res.status === 200) {
          // The server ignored Range: this response is the whole file. Keep it, and read nothing twice.
          const download = this.downloadWhole(res, body);
          this.whole = download;
          // A download cut short is retried by a new request, not remembered as the file.
          download.catch(() => this.whole === download && (this.whole = null));
          headersArrived();
          const bytes = await download;
          sink(start, bytes.subarray(start, end));
          setNext(end);
          return;
        }
        headersArrived();
        let next = getNext();
        if (res.status !== 206)
          throw new IOError(`${this.url}: expected 206 Partial Content, got HTTP ${res.status}`, { file: this.url });
        const encoding = res.headers.get('content-encoding');
        if (encoding !== null && encoding !== 'identity') {
          throw new IOError(
            `${this.url}: the server sent a range with Content-Encoding ${encoding}; serve checkpoint files uncompressed`,
            { file: this.url },
          );
        }
        const range = parseContentRange(res.headers.get('content-range'));
        if (range === null || range.first !== next || range.last !== end - 1) {
          throw new IOError(
            `${this.url}: asked for bytes ${next}-${end - 1}, the server answered Content-Range ${res.headers.get('content-range') ?? '(none)'}`,
            { file: this.url },
          );
        }
        this.checkVersion(res, range.total);
        await body((chunk) => {
          if (next + chunk.length > end) {
            throw new IOError(`${this.url}: the server sent more than the ${end - start} bytes asked for`, {
              file: this.url,
            });
          }
          sink(next, chunk);
          next += chunk.length;
          setNext(next);
        });
        if (next < end) {
          throw transient(
            new IOError(`${this.url}: the response ended after ${next - start} of ${end - start} bytes`, {
              file: this.url,
            }),
          );
        }
      },
      undefined,
      this.closing.signal,
    );
  }

  /** The whole file from a 200 response, collected as it arrives (no size is trusted before the bytes exist). */
  private async downloadWhole(
    res: FetchResponse,
    body: (onChunk: (c: Uint8Array) => void) => Promise<void>,
  ): Promise<Uint8Array> {
    if (!warnedRangeIgnored) {
      warnedRangeIgnored = true;
      logger().warn(`${this.url}: the server ignores Range requests; each checkpoint file is downloaded whole, once`);
    }
    this.checkVersion(res, null);
    const chunks: Uint8Array[] = [];
    let total = 0;
    await body((chunk) => {
      total += chunk.length;
      if (total > this.size) throw replaced(this.url);
      chunks.push(chunk);
    });
    if (total !== this.size) {
      throw new CorruptCheckpointError(`${this.url}: expected ${this.size} bytes, the server sent ${total}`, {
        file: this.url,
      });
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    this.whole = null;
    this.runs = [];
  }
}

/** `bytes first-last/total` (total may be `*`), or null when malformed. */
export function parseContentRange(header: string | null): { first: number; last: number; total: number | null } | null {
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(header ?? '');
  if (m === null) return null;
  const first = Number(m[1]);
  const last = Number(m[2]);
  const total = m[3] === '*' ? null : Number(m[3]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) return null;
  if (total !== null && (!Number.isSafeInteger(total) || last >= total)) return null;
  return { first, last, total };
}
