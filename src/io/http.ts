import { InvalidArgumentError, IOError, NotFoundError, UnsupportedError } from '../errors';
import { checkRange } from './range';
import type { ByteSource, FileInfo, FileSystem } from './types';

type Fetch = (url: string, init?: { method?: string; headers?: Record<string, string> }) => Promise<{
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

function posixJoin(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/').replace(/\/{2,}/g, '/').replace(/(^|\/)\.\//g, '$1');
}

/**
 * Checkpoints served over HTTP(S) — in browsers, from a CDN or a model hub — read with `Range` requests, so that
 * opening reads the index and each tensor costs one request for its own bytes. Paths are URLs (absolute, or
 * relative to `baseUrl`). Read-only: saving needs a writable file system.
 */
export class HttpFileSystem implements FileSystem {
  private readonly fetchFn: Fetch;

  constructor(
    private readonly baseUrl = '',
    options: { fetch?: Fetch; headers?: Record<string, string> } = {},
  ) {
    const f = options.fetch ?? (globalThis as { fetch?: Fetch }).fetch;
    if (!f) throw new InvalidArgumentError('HttpFileSystem needs fetch (Node ≥ 18, browsers) or options.fetch');
    this.fetchFn = f;
    this.headers = options.headers ?? {};
  }

  private readonly headers: Record<string, string>;

  private url(path: string): string {
    return /^[a-z]+:\/\//i.test(path) || this.baseUrl === '' ? path : `${this.baseUrl.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;
  }

  private async request(path: string, init: { method?: string; headers?: Record<string, string> }): Promise<Awaited<ReturnType<Fetch>>> {
    let res: Awaited<ReturnType<Fetch>>;
    try {
      res = await this.fetchFn(this.url(path), { ...init, headers: { ...this.headers, ...init.headers } });
    } catch (err) {
      throw new IOError(`Failed to fetch ${this.url(path)}: ${(err as Error).message}`, { file: path, cause: err });
    }
    if (res.status === 404 || res.status === 410) throw new NotFoundError(`${path}: No such file or directory (HTTP ${res.status})`, { file: path });
    if (!res.ok) throw new IOError(`Failed to fetch ${this.url(path)}: HTTP ${res.status}`, { file: path });
    return res;
  }

  async stat(path: string): Promise<FileInfo | null> {
    try {
      const res = await this.request(path, { method: 'HEAD' });
      const size = Number(res.headers.get('content-length') ?? NaN);
      return { isFile: true, isDirectory: false, size: Number.isFinite(size) ? size : 0, mtimeMs: Date.parse(res.headers.get('last-modified') ?? '') || 0 };
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  async open(path: string): Promise<ByteSource> {
    const info = await this.stat(path);
    if (info === null) throw new NotFoundError(`${path}: No such file or directory`, { file: path });
    const fs = this;
    return {
      name: path,
      size: info.size,
      async read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array> {
        checkRange(path, info.size, offset, length, target);
        const out = target ?? new Uint8Array(length);
        if (length === 0) return out;
        const res = await fs.request(path, { headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
        const body = new Uint8Array(await res.arrayBuffer());
        // A server that ignores Range answers 200 with the whole file.
        const bytes = res.status === 206 ? body : body.subarray(offset, offset + length);
        if (bytes.length !== length) {
          throw new IOError(`${path}: expected ${length} bytes at offset ${offset}, the server sent ${bytes.length}`, { file: path });
        }
        out.set(bytes);
        return out;
      },
      async close(): Promise<void> {},
    };
  }

  async readFile(path: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.request(path, {})).arrayBuffer());
  }

  /** HTTP has no directory listings: empty (state files still resolve; `latestCheckpoint` works). */
  async list(): Promise<string[]> {
    return [];
  }

  private readOnly(): never {
    throw new UnsupportedError('HttpFileSystem is read-only: write checkpoints to a local or in-memory file system');
  }

  async writeFile(): Promise<void> {
    this.readOnly();
  }
  async rename(): Promise<void> {
    this.readOnly();
  }
  async remove(): Promise<void> {
    this.readOnly();
  }
  async mkdir(): Promise<void> {
    this.readOnly();
  }
  async syncDirectory(): Promise<void> {}

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
    return path.startsWith('/') || /^[a-z]+:\/\//i.test(path);
  }
  relative(from: string, path: string): string {
    const prefix = `${from.replace(/\/$/, '')}/`;
    return path.startsWith(prefix) ? path.slice(prefix.length) : path;
  }
}
