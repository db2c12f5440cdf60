/**
 * One logical HTTP exchange as the checkpoint reader needs it: bounded retries with backoff for failures that may
 * pass (network errors, timeouts, 5xx, a body cut short), an idle and a total timeout per attempt, the caller's
 * AbortSignal, a bounded number of requests in flight, and every failure as a CheckpointError naming the URL.
 */
import { CheckpointError, InternalError, IOError, NotFoundError } from '../errors';
import { Limiter } from './limiter';

/** What the package uses of a fetch Response (browsers' and Node's both fit). */
export interface FetchResponse {
  readonly status: number;
  readonly url?: string;
  readonly headers: { get(name: string): string | null };
  readonly body?: {
    getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(reason?: unknown): Promise<void> };
  } | null;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** What the package passes to `fetch`. */
export interface FetchInit {
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** `fetch`, or anything with its shape (it is always called unbound, as a plain function). */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

/** Reported to `onProgress` of an {@link HttpFileSystem} as bytes arrive. */
export interface HttpProgress {
  /** The URL whose bytes arrived. */
  url: string;
  /** Bytes received by the file system so far, over every request. */
  bytesReceived: number;
  /** Requests the file system has sent so far (attempts, including retries). */
  requests: number;
}

/** How an {@link HttpFileSystem} talks to the server. */
export interface HttpOptions {
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
  /** Sent with every request to the base URL's origin, and never to another origin. */
  headers?: Record<string, string>;
  /** Cancels every request of this file system; reads then fail with an IOError. */
  signal?: AbortSignal;
  /** An attempt that receives nothing (headers or body bytes) for this long is abandoned. Default 30 s. */
  idleTimeoutMs?: number;
  /** An attempt that has not finished after this long is abandoned (a trickling server). Default 300 s. */
  requestTimeoutMs?: number;
  /** Further attempts after a network error, timeout, 5xx or cut body. Default 3. */
  retries?: number;
  /** First backoff delay; it doubles per retry (with jitter) up to 8× this. Default 250 ms. */
  retryDelayMs?: number;
  /** Requests in flight at once. Default 6 (what browsers allow per origin over HTTP/1.1). */
  maxConnections?: number;
  /** Needed byte ranges at most this far apart are fetched as one request. Default 64 KiB. */
  mergeGapBytes?: number;
  /** Called as bytes arrive. */
  onProgress?: (progress: HttpProgress) => void;
}

/** An attempt's outcome that another attempt may change. */
class Transient extends Error {
  constructor(readonly error: CheckpointError) {
    super(error.message);
  }
}

export function transient(error: CheckpointError): Transient {
  return new Transient(error);
}

/** Hands body bytes to a consumer, resetting the idle timer as they arrive. */
export type BodyReader = (onChunk: (chunk: Uint8Array) => void) => Promise<void>;

/** Builds the headers of one attempt (a retry may ask for fewer bytes than the first attempt did). */
export type AttemptHeaders = () => Record<string, string>;

/** The error for a file whose pinned version is gone (HTTP 412, or a different ETag, Last-Modified or size). */
export function replaced(url: string): IOError {
  return new IOError(
    `${url} changed on the server while the checkpoint was being read: reopen it to read the new version`,
    {
      file: url,
    },
  );
}

/**
 * A timer that does not keep a Node process alive by itself: timeouts only guard requests, whose sockets keep
 * the process running while they are open.
 */
function watchdog(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(fn, ms);
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

const RETRY_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

export class HttpClient {
  private readonly fetchFn: FetchLike;
  private readonly limiter: Limiter;
  readonly idleTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  bytesReceived = 0;
  requests = 0;

  constructor(private readonly options: HttpOptions) {
    const f = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (f === undefined) throw new IOError('HttpFileSystem needs fetch (browsers, Node ≥ 18) or options.fetch');
    // Called as a plain function: a fetch stored and called as a method of another object fails in browsers
    // ("Illegal invocation").
    this.fetchFn = (url, init) => f(url, init);
    this.limiter = new Limiter(Math.max(1, options.maxConnections ?? 6));
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
    this.retries = Math.max(0, options.retries ?? 3);
    this.retryDelayMs = options.retryDelayMs ?? 250;
  }

  /**
   * Sends the request until `handle` returns or fails for good. `handle` gets each attempt's response (status 2xx or
   * 3xx-followed, 404/410 already turned into NotFoundError) and a reader for its body; it throws `transient(err)`
   * for failures worth another attempt and any CheckpointError for the others.
   */
  async exchange<T>(
    url: string,
    method: 'GET' | 'HEAD',
    headers: AttemptHeaders,
    handle: (res: FetchResponse, body: BodyReader) => Promise<T>,
    statusOk: (status: number) => boolean = (s) => s >= 200 && s < 300,
    signal?: AbortSignal,
  ): Promise<T> {
    let last: CheckpointError | null = null;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await this.backoff(attempt, url, signal);
      try {
        return await this.attempt(url, method, headers(), handle, statusOk, signal);
      } catch (err) {
        if (!(err instanceof Transient)) throw err;
        last = err.error;
      }
    }
    // retries >= 0, so the loop ran and every attempt set `last`.
    if (last === null) throw new InternalError(`${url}: no attempt was made`, { file: url });
    throw new IOError(`${last.message} (gave up after ${this.retries + 1} attempts)`, { file: url, cause: last });
  }

  private aborted(url: string): IOError {
    return new IOError(`Request for ${url} was aborted`, { file: url, cause: this.options.signal?.reason });
  }

  private async backoff(attempt: number, url: string, own?: AbortSignal): Promise<void> {
    const delay = Math.min(this.retryDelayMs * 2 ** (attempt - 1), this.retryDelayMs * 8) * (0.5 + Math.random() / 2);
    const signals = [this.options.signal, own].filter((s): s is AbortSignal => s !== undefined);
    // A plain timer: between attempts nothing else may keep the process alive until the retry.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        for (const s of signals) s.removeEventListener('abort', onAbort);
        resolve();
      }, delay);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(this.aborted(url));
      };
      if (signals.some((s) => s.aborted)) onAbort();
      else for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async attempt<T>(
    url: string,
    method: 'GET' | 'HEAD',
    headers: Record<string, string>,
    handle: (res: FetchResponse, body: BodyReader) => Promise<T>,
    statusOk: (status: number) => boolean,
    own?: AbortSignal,
  ): Promise<T> {
    const outers = [this.options.signal, own].filter((s): s is AbortSignal => s !== undefined);
    if (outers.some((s) => s.aborted)) throw this.aborted(url);
    const release = await this.limiter.acquire();
    const controller = new AbortController();
    let why: 'idle' | 'total' | 'caller' | null = null;
    const abort = (reason: 'idle' | 'total' | 'caller'): void => {
      why ??= reason;
      controller.abort();
    };
    const onOuterAbort = (): void => abort('caller');
    for (const s of outers) s.addEventListener('abort', onOuterAbort, { once: true });
    // Settles every await of this attempt on abort: a fetch or body read that ignores its signal (a connection
    // dropped under it) must not hold the attempt, or its timers, forever.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
    aborted.catch(() => undefined);
    let idle = watchdog(() => abort('idle'), this.idleTimeoutMs);
    const total = watchdog(() => abort('total'), this.requestTimeoutMs);
    const touch = (): void => {
      clearTimeout(idle);
      idle = watchdog(() => abort('idle'), this.idleTimeoutMs);
    };
    /** The error for a failure of fetch or of the body stream, once the cause is known. */
    const failure = (err: unknown, during: string): Error => {
      if (err instanceof Transient || (err instanceof CheckpointError && why === null)) return err;
      if (why === 'caller') return this.aborted(url);
      if (why === 'idle')
        return transient(new IOError(`${url}: no data for ${this.idleTimeoutMs} ms ${during}`, { file: url }));
      if (why === 'total')
        return transient(new IOError(`${url}: not done after ${this.requestTimeoutMs} ms ${during}`, { file: url }));
      const reason = err instanceof Error ? err.message : String(err);
      return transient(
        new IOError(
          `Failed to fetch ${url} (${during}): ${reason}. In a browser this is also how a CORS refusal shows`,
          {
            file: url,
            cause: err,
          },
        ),
      );
    };
    this.requests++;
    try {
      let res: FetchResponse;
      try {
        res = await Promise.race([this.fetchFn(url, { method, headers, signal: controller.signal }), aborted]);
      } catch (err) {
        throw failure(err, 'sending the request');
      }
      touch();
      const status = res.status;
      if (!statusOk(status)) {
        await res.body
          ?.getReader()
          .cancel()
          .catch(() => undefined);
        if (status === 404 || status === 410)
          throw new NotFoundError(`${url}: No such file (HTTP ${status})`, { file: url });
        if (status === 412) throw replaced(url);
        const error = new IOError(`Failed to fetch ${url}: HTTP ${status}`, { file: url });
        throw RETRY_STATUSES.has(status) ? transient(error) : error;
      }
      const body: BodyReader = async (onChunk) => {
        try {
          const stream = res.body?.getReader();
          if (stream === undefined) {
            const bytes = new Uint8Array(await res.arrayBuffer());
            this.received(url, bytes.length);
            onChunk(bytes);
            return;
          }
          try {
            for (;;) {
              const { done, value } = await Promise.race([stream.read(), aborted]);
              if (done) break;
              if (value === undefined || value.length === 0) continue;
              touch();
              this.received(url, value.length);
              onChunk(value);
            }
          } catch (err) {
            await stream.cancel().catch(() => undefined);
            throw err;
          }
        } catch (err) {
          throw failure(err, 'reading the response body');
        }
      };
      return await handle(res, body);
    } finally {
      clearTimeout(idle);
      clearTimeout(total);
      for (const s of outers) s.removeEventListener('abort', onOuterAbort);
      release();
    }
  }

  private received(url: string, n: number): void {
    this.bytesReceived += n;
    this.options.onProgress?.({ url, bytesReceived: this.bytesReceived, requests: this.requests });
  }
}
