import { CheckpointError, InvalidArgumentError, IOError, NotFoundError } from '../errors';
import { ReadOnlyFileSystem } from './read_only';
import { type FetchResponse, HttpClient, type HttpOptions, transient } from './http_client';
import { HttpSource, parseContentRange, type Pin } from './http_source';
import type { ByteSource, FileInfo, FileSystem } from './types';

export type { FetchInit, FetchLike, FetchResponse, HttpOptions, HttpProgress } from './http_client';

/** Options of an {@link HttpFileSystem}: timeouts, retries, parallelism, headers and progress, and how paths become URLs. */
export interface HttpFileSystemOptions extends HttpOptions {
  /**
   * The URL of a path, when files do not sit under one base URL (e.g. presigned URLs, one per file). Requests still
   * go only to the base URL's origin.
   */
  resolveUrl?: (path: string) => string;
}

/** What a first request learned about a file. */
interface Probe {
  pin: Pin;
  /** The whole file, when the first request brought all of it. */
  whole: Uint8Array | null;
  /** Whether the server answered a Range request with the whole file (200). */
  rangeIgnored: boolean;
}

/**
 * An index up to this size is fetched whole by the request that learns its size and version: the table reader
 * would otherwise ask for its footer, its meta block and its data blocks one round trip after another.
 */
const WHOLE_INDEX_BYTES = 256 * 1024;

/** Statuses with which servers refuse HEAD (presigned GET-only URLs answer 403). */
const HEAD_REFUSED = new Set([403, 405, 501]);

/** Files whose presence makes a path a directory: a checkpoint state file, or a SavedModel. */
const DIRECTORY_MARKERS = ['checkpoint', 'saved_model.pb'];

/** A checkpoint's files share the prefix before `.index` / `.data-…`. */
const BUNDLE_FILE = /^(.*)\.(?:index|data-\d{5,}-of-\d{5,})$/s;

function posixJoin(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/(^|[^:])\/{2,}/g, '$1/')
    .replace(/(^|\/)\.\//g, '$1');
}

/**
 * Checkpoints served over HTTP(S) — in browsers, from a CDN or a model hub — read with `Range` requests: opening
 * reads the index, and a restore fetches each contiguous run of needed bytes with one request. Paths are URLs
 * (absolute, or relative to `baseUrl`); a directory is found through its `checkpoint` state file, as on disk.
 *
 * Requests stay on the base URL's origin: a state file naming another origin is refused, so configured headers
 * (credentials) never leave it. Failures are CheckpointErrors naming the URL; see HttpOptions for timeouts,
 * retries, parallelism and progress. Read-only: saving needs a writable file system.
 *
 * @example
 * {@includeCode ../../examples/http.ts#HttpFileSystem}
 */
export class HttpFileSystem extends ReadOnlyFileSystem implements FileSystem {
  protected readonly readOnlyMessage =
    'HttpFileSystem is read-only: write checkpoints to a local or in-memory file system';
  private readonly client: HttpClient;
  private readonly headers: Record<string, string>;
  private readonly mergeGap: number;
  private origin: string | null;
  /** What `stat` learned, handed to the `open` that usually follows, so a file is not probed twice. */
  private readonly probes = new Map<string, Probe>();
  /** The index most recently opened per checkpoint prefix, re-validated when its data files are opened. */
  private readonly indexes = new Map<string, HttpSource>();

  constructor(
    private readonly baseUrl = '',
    private readonly options: HttpFileSystemOptions = {},
  ) {
    super();
    this.client = new HttpClient(options);
    this.headers = { ...options.headers };
    this.mergeGap = options.mergeGapBytes ?? 64 * 1024;
    const base = this.absolute(baseUrl);
    this.origin = base === null ? null : new URL(base).origin;
  }

  /** Requests sent (attempts, including retries) and bytes received so far. */
  get stats(): { requests: number; bytesReceived: number } {
    return { requests: this.client.requests, bytesReceived: this.client.bytesReceived };
  }

  /** `u` as an absolute URL, against the page's address in a browser; null when that is not possible. */
  private absolute(u: string): string | null {
    const page = (globalThis as { location?: { href?: string } }).location?.href;
    try {
      return new URL(u, page).href;
    } catch {
      return null;
    }
  }

  private url(path: string): string {
    const joined = this.options.resolveUrl
      ? this.options.resolveUrl(path)
      : /^[a-z][a-z0-9+.-]*:/i.test(path) || this.baseUrl === ''
        ? path
        : `${this.baseUrl.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;
    const abs = this.absolute(joined);
    if (abs === null)
      throw new InvalidArgumentError(`${joined} is not a URL (give HttpFileSystem a base URL)`, { file: path });
    const origin = new URL(abs).origin;
    this.origin ??= origin;
    if (origin !== this.origin) {
      throw new InvalidArgumentError(
        `Refusing ${abs}: it is not on ${this.origin}, the origin this HttpFileSystem reads from`,
        {
          file: abs,
        },
      );
    }
    return abs;
  }

  /** A redirect that left the origin is refused too (its response is not used). */
  private readonly checkOrigin = (res: FetchResponse): void => {
    if (res.url && this.origin !== null && new URL(res.url).origin !== this.origin) {
      throw new IOError(`Refusing ${res.url}: a redirect left ${this.origin}`, { file: res.url });
    }
  };

  /**
   * Size and version of a file (HEAD, or a one-byte GET where HEAD is refused); null when it does not exist. An index
   * is probed with a GET of its first WHOLE_INDEX_BYTES instead, which brings all of a small one.
   */
  private async probe(url: string, isIndex: boolean): Promise<Probe | null> {
    try {
      if (isIndex) return await this.probeWithGet(url, WHOLE_INDEX_BYTES);
      const viaHead = await this.client.exchange(
        url,
        'HEAD',
        () => this.headers,
        async (res) => {
          this.checkOrigin(res);
          if (HEAD_REFUSED.has(res.status)) return null;
          const length = res.headers.get('content-length');
          const encoding = res.headers.get('content-encoding');
          if (length === null || !/^\d+$/.test(length) || (encoding !== null && encoding !== 'identity')) return null;
          return { pin: pinOf(res, Number(length)), whole: null, rangeIgnored: false };
        },
        (s) => (s >= 200 && s < 300) || HEAD_REFUSED.has(s),
      );
      return viaHead ?? (await this.probeWithGet(url, 1));
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /** A GET of the first `upTo` bytes (at least 1): size and version, and the whole file when that is all of it. */
  private probeWithGet(url: string, upTo: number): Promise<Probe> {
    return this.client.exchange(
      url,
      'GET',
      () => ({ ...this.headers, Range: `bytes=0-${upTo - 1}` }),
      async (res, body) => {
        this.checkOrigin(res);
        if (res.status === 416) {
          await body(() => undefined);
          return { pin: pinOf(res, 0), whole: new Uint8Array(0), rangeIgnored: false };
        }
        const range = res.status === 206 ? parseContentRange(res.headers.get('content-range')) : null;
        if (res.status === 206 && (range === null || range.first !== 0 || range.last >= upTo || range.total === null)) {
          throw new IOError(
            `${url}: asked for bytes 0-${upTo - 1}, the server answered Content-Range ${res.headers.get('content-range') ?? '(none)'}`,
            {
              file: url,
            },
          );
        }
        // A 206 brings the range asked for; a 200 means Range was ignored: the body is the whole file, kept for the
        // reads. Either way the bytes are collected as they arrive (no claimed size is trusted before that).
        const limit = range === null ? Infinity : range.last + 1;
        const chunks: Uint8Array[] = [];
        let size = 0;
        await body((c) => {
          size += c.length;
          if (size > limit)
            throw new IOError(`${url}: the server sent more than the ${limit} bytes asked for`, { file: url });
          chunks.push(c);
        });
        if (range !== null && size < limit)
          throw transient(new IOError(`${url}: the response ended after ${size} of ${limit} bytes`, { file: url }));
        // (A 206 without a total was refused above.)
        const total = range?.total ?? size;
        if (size !== total) return { pin: pinOf(res, total), whole: null, rangeIgnored: false };
        const whole = new Uint8Array(size);
        chunks.reduce((at, c) => (whole.set(c, at), at + c.length), 0);
        return { pin: pinOf(res, size), whole, rangeIgnored: range === null };
      },
      (s) => (s >= 200 && s < 300) || s === 416,
    );
  }

  async stat(path: string): Promise<FileInfo | null> {
    const url = this.url(path);
    let probe: Probe | null;
    try {
      probe = path.endsWith('/') ? null : await this.probe(url, path.endsWith('.index'));
    } catch (err) {
      // A directory URL may answer 403 (no listing) or redirect; what decides is whether it holds a state file.
      if (err instanceof CheckpointError && (await this.isDirectory(path))) return directoryInfo();
      throw err;
    }
    if (probe !== null) {
      this.probes.set(url, probe);
      return {
        isFile: true,
        isDirectory: false,
        size: probe.pin.size,
        mtimeMs: Date.parse(probe.pin.lastModified ?? '') || 0,
      };
    }
    return (await this.isDirectory(path)) ? directoryInfo() : null;
  }

  private async isDirectory(path: string): Promise<boolean> {
    for (const marker of DIRECTORY_MARKERS) {
      const url = this.url(this.join(path, marker));
      const probe = await this.probe(url, false);
      if (probe !== null) {
        this.probes.set(url, probe);
        return true;
      }
    }
    return false;
  }

  async open(path: string): Promise<ByteSource> {
    const url = this.url(path);
    const m = BUNDLE_FILE.exec(url);
    const prefix = m?.[1];
    const isIndex = url.endsWith('.index');
    // A data file is pinned by its probe; if the index changed since it was read, the two may be from different
    // checkpoints. One small conditional request tells, sent alongside the probe rather than after it (a round trip
    // less before the first bytes).
    const index = prefix !== undefined && !isIndex ? this.indexes.get(prefix) : undefined;
    const indexCheck = index !== undefined && index.isOpen && index.size > 0 ? index.revalidate() : Promise.resolve();
    indexCheck.catch(() => undefined);
    const probe = this.probes.get(url) ?? (await this.probe(url, path.endsWith('.index')));
    this.probes.delete(url);
    if (probe === null) throw new NotFoundError(`${url}: No such file`, { file: url });
    const source = new HttpSource(
      this.client,
      path,
      url,
      this.headers,
      probe.pin,
      probe.whole,
      this.mergeGap,
      this.checkOrigin,
    );
    if (prefix !== undefined && isIndex) {
      // A server that ignores Range sent the index whole: asking it again would download it again.
      if (probe.rangeIgnored) this.indexes.delete(prefix);
      else this.indexes.set(prefix, source);
    }
    await indexCheck.catch((err: unknown) => {
      throw err instanceof CheckpointError && /changed on the server/.test(err.message)
        ? new IOError(`${prefix ?? url} was replaced on the server after its index was read: reopen the checkpoint`, {
            file: url,
            cause: err,
          })
        : err;
    });
    return source;
  }

  async readFile(path: string): Promise<Uint8Array> {
    const source = await this.open(path);
    try {
      return await source.read(0, source.size);
    } finally {
      await source.close();
    }
  }

  /** HTTP has no directory listings: empty (state files still resolve; `latestCheckpoint` works). */
  async list(): Promise<string[]> {
    return [];
  }

  join(...parts: string[]): string {
    return posixJoin(...parts);
  }
  dirname(path: string): string {
    const i = path.replace(/\/$/, '').lastIndexOf('/');
    return i < 0 ? '.' : path.slice(0, i) || '/';
  }
  basename(path: string): string {
    return path.slice(path.lastIndexOf('/') + 1);
  }
  isAbsolute(path: string): boolean {
    return path.startsWith('/') || /^[a-z][a-z0-9+.-]*:\/\//i.test(path);
  }
  relative(from: string, path: string): string {
    const prefix = `${from.replace(/\/$/, '')}/`;
    return path.startsWith(prefix) ? path.slice(prefix.length) : path;
  }
}

function directoryInfo(): FileInfo {
  return { isFile: false, isDirectory: true, size: 0, mtimeMs: 0 };
}

function pinOf(res: FetchResponse, size: number): Pin {
  return { etag: res.headers.get('etag'), lastModified: res.headers.get('last-modified'), size };
}
