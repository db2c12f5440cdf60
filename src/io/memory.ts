import { NotFoundError } from '../errors';
import { checkRange } from './range';
import type { ByteSource, FileInfo, FileSystem } from './types';

/**
 * A ByteSource over bytes already in memory (an uploaded file, a fetched ArrayBuffer, a test fixture). The bytes
 * are not copied: do not modify them while the source is open (it vouches for them, see ByteSource.identity).
 */
export class MemorySource implements ByteSource {
  readonly size: number;

  constructor(
    readonly name: string,
    private readonly bytes: Uint8Array,
  ) {
    this.size = bytes.length;
  }

  async read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array> {
    checkRange(this.name, this.size, offset, length, target);
    const view = this.bytes.subarray(offset, offset + length);
    if (target === undefined) return view.slice();
    target.set(view);
    return target;
  }

  /** The bytes are the caller's, who must not change them while the source is open: they are the same bytes. */
  async identity(): Promise<string> {
    return 'memory';
  }

  async close(): Promise<void> {}
}

/**
 * A file system held in a Map of POSIX-style paths to bytes. Useful in browsers (files picked by the user) and in
 * tests (fault injection, generated bundles). Directories exist implicitly when a file lies below them.
 */
export class MemoryFileSystem implements FileSystem {
  readonly files = new Map<string, Uint8Array>();
  private readonly dirs = new Set<string>();
  private readonly mtimes = new Map<string, number>();

  constructor(files?: Record<string, Uint8Array> | Map<string, Uint8Array>) {
    const entries = files instanceof Map ? files.entries() : Object.entries(files ?? {});
    for (const [path, bytes] of entries) this.setFile(path, bytes);
  }

  private setFile(path: string, bytes: Uint8Array): void {
    const p = this.normalize(path);
    this.files.set(p, bytes);
    this.mtimes.set(p, Date.now());
  }

  async open(path: string): Promise<ByteSource> {
    const bytes = this.files.get(this.normalize(path));
    if (bytes === undefined) throw new NotFoundError(`${path}: No such file or directory`, { file: path });
    return new MemorySource(path, bytes);
  }

  async stat(path: string): Promise<FileInfo | null> {
    const p = this.normalize(path);
    const bytes = this.files.get(p);
    if (bytes !== undefined)
      return { isFile: true, isDirectory: false, size: bytes.length, mtimeMs: this.mtimes.get(p) ?? 0 };
    if (this.isDir(p)) return { isFile: false, isDirectory: true, size: 0, mtimeMs: 0 };
    return null;
  }

  async readFile(path: string): Promise<Uint8Array> {
    const bytes = this.files.get(this.normalize(path));
    if (bytes === undefined) throw new NotFoundError(`${path}: No such file or directory`, { file: path });
    return bytes.slice();
  }

  async list(dir: string): Promise<string[]> {
    const d = this.normalize(dir);
    const prefix = d === '' || d === '/' ? d : `${d}/`;
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p.startsWith(prefix) && p.length > prefix.length) names.add(p.slice(prefix.length).split('/')[0] ?? '');
    }
    return [...names].sort();
  }

  async writeFile(path: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const parts = data instanceof Uint8Array ? [data] : data;
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    this.setFile(path, out);
  }

  async rename(from: string, to: string): Promise<void> {
    const f = this.normalize(from);
    const bytes = this.files.get(f);
    if (bytes === undefined) throw new NotFoundError(`${from}: No such file or directory`, { file: from });
    this.files.delete(f);
    this.setFile(to, bytes);
  }

  async remove(path: string): Promise<void> {
    this.files.delete(this.normalize(path));
  }

  async mkdir(path: string): Promise<void> {
    this.dirs.add(this.normalize(path));
  }

  async syncDirectory(): Promise<void> {}

  join(...parts: string[]): string {
    return this.normalize(parts.filter((p) => p !== '').join('/'));
  }

  dirname(path: string): string {
    const p = this.normalize(path);
    const i = p.lastIndexOf('/');
    if (i < 0) return '.';
    return i === 0 ? '/' : p.slice(0, i);
  }

  basename(path: string): string {
    const p = this.normalize(path);
    return p.slice(p.lastIndexOf('/') + 1);
  }

  isAbsolute(path: string): boolean {
    return path.startsWith('/');
  }

  relative(from: string, path: string): string {
    const f = this.normalize(from);
    const p = this.normalize(path);
    const prefix = f === '.' ? '' : `${f}/`;
    return p.startsWith(prefix) ? p.slice(prefix.length) : p;
  }

  private isDir(p: string): boolean {
    if (p === '.' || p === '/' || this.dirs.has(p)) return true;
    const prefix = `${p}/`;
    for (const f of this.files.keys()) if (f.startsWith(prefix)) return true;
    return false;
  }

  private normalize(path: string): string {
    const abs = path.startsWith('/');
    const out: string[] = [];
    for (const seg of path.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else out.push(seg);
    }
    const joined = out.join('/');
    return abs ? `/${joined}` : joined === '' ? '.' : joined;
  }
}
