/**
 * Checkpoints picked by a user in a browser: the files of `<input type="file" multiple>` (or `webkitdirectory`),
 * a drag and drop, or a `FileSystemDirectoryHandle`. Files are read lazily with `Blob.slice`, only the bytes a
 * read needs, never whole. Read-only.
 */
import { CheckpointError, InvalidArgumentError, IOError, NotFoundError } from '../errors';
import { ReadOnlyFileSystem } from './read_only';
import { checkRange } from './range';
import type { ByteSource, FileInfo, FileSystem } from './types';

/** What the package uses of a Blob or File. */
export interface BlobLike {
  /** Size in bytes. */
  readonly size: number;
  /** The bytes from `start` to `end` (exclusive), as `Blob.slice` gives them. */
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** A File as `<input>` gives it: its name, and its path below the picked folder for `webkitdirectory`. */
export interface FileLike extends BlobLike {
  readonly name: string;
  readonly webkitRelativePath?: string;
  readonly lastModified?: number;
}

/** The parts of the File System Access API's directory handle that are walked. */
export interface DirectoryHandleLike {
  readonly kind: 'directory';
  readonly name: string;
  values(): AsyncIterable<
    DirectoryHandleLike | { readonly kind: 'file'; readonly name: string; getFile(): Promise<FileLike> }
  >;
}

/** The parts of a drag-and-drop FileSystemEntry that are walked. */
export interface EntryLike {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly name: string;
  file?(success: (f: FileLike) => void, failure?: (e: unknown) => void): void;
  createReader?(): { readEntries(success: (entries: EntryLike[]) => void, failure?: (e: unknown) => void): void };
}

/** What the package uses of a drop event's `DataTransfer` (walked with `webkitGetAsEntry`). */
export interface DataTransferLike {
  readonly items: ArrayLike<{ kind: string; webkitGetAsEntry?(): EntryLike | null; getAsFile?(): FileLike | null }>;
}

/** Reported to {@link BlobFileSystemOptions.onProgress} as reads complete. */
export interface BlobProgress {
  /** The file whose bytes were read. */
  path: string;
  /** Bytes read by the file system so far, over every file. */
  bytesRead: number;
}

/** Options of a {@link BlobFileSystem}. */
export interface BlobFileSystemOptions {
  /** Called as reads complete. */
  onProgress?: (progress: BlobProgress) => void;
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

class BlobSource implements ByteSource {
  constructor(
    readonly name: string,
    private readonly blob: BlobLike,
    private readonly counted: (n: number) => void,
  ) {}

  get size(): number {
    return this.blob.size;
  }

  async read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array> {
    checkRange(this.name, this.size, offset, length, target);
    const out = target ?? new Uint8Array(length);
    if (length === 0) return out;
    let bytes: ArrayBuffer;
    try {
      bytes = await this.blob.slice(offset, offset + length).arrayBuffer();
    } catch (err) {
      // Browsers refuse reads of a file changed on disk since it was picked (NotReadableError).
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new IOError(`Failed to read ${this.name} (changed or removed since it was picked?): ${reason}`, {
        file: this.name,
        cause: err,
      });
    }
    if (bytes.byteLength !== length) {
      throw new IOError(`${this.name}: expected ${length} bytes at offset ${offset}, read ${bytes.byteLength}`, {
        file: this.name,
      });
    }
    out.set(new Uint8Array(bytes));
    this.counted(length);
    return out;
  }

  async close(): Promise<void> {}
}

/**
 * Files by path (`run1/ckpt-1.index`); directories exist when a file lies below them, so a folder picked whole
 * opens by its name, through its `checkpoint` state file, as on disk.
 *
 * @example
 * {@includeCode ../../examples/browser_files.ts#BlobFileSystem}
 */
export class BlobFileSystem extends ReadOnlyFileSystem implements FileSystem {
  protected readonly readOnlyMessage = 'BlobFileSystem is read-only: save to a MemoryFileSystem and download its files';
  private readonly files = new Map<string, FileLike | BlobLike>();
  private bytesRead = 0;

  constructor(
    files: Iterable<FileLike> | ArrayLike<FileLike> | Record<string, BlobLike> | Map<string, BlobLike> = [],
    private readonly options: BlobFileSystemOptions = {},
  ) {
    super();
    if (files instanceof Map) {
      for (const [p, b] of files) this.add(p, b);
    } else if (typeof (files as Iterable<FileLike>)[Symbol.iterator] === 'function' || 'length' in files) {
      for (const f of Array.from(files as ArrayLike<FileLike>)) this.add(f.webkitRelativePath || f.name, f);
    } else {
      for (const [p, b] of Object.entries(files as Record<string, BlobLike>)) this.add(p, b);
    }
  }

  /** Adds (or replaces) a file at `path`. */
  add(path: string, file: FileLike | BlobLike): void {
    // Checked at run time as well: callers from plain JavaScript can pass anything.
    if (!isBlobLike(file)) {
      throw new InvalidArgumentError(`${path}: not a Blob or File`, { file: path });
    }
    this.files.set(normalize(path), file);
  }

  /** The files of a directory handle (File System Access API), below `handle.name/`. */
  static async fromDirectoryHandle(
    handle: DirectoryHandleLike,
    options?: BlobFileSystemOptions,
  ): Promise<BlobFileSystem> {
    const fsys = new BlobFileSystem([], options);
    const walk = async (dir: DirectoryHandleLike, prefix: string): Promise<void> => {
      for await (const entry of dir.values()) {
        if (entry.kind === 'directory') await walk(entry, `${prefix}${entry.name}/`);
        else fsys.add(`${prefix}${entry.name}`, await entry.getFile());
      }
    };
    await walk(handle, `${handle.name}/`);
    return fsys;
  }

  /** The files and folders of a drop (`event.dataTransfer`), folders walked whole, by their names. */
  static async fromDataTransfer(transfer: DataTransferLike, options?: BlobFileSystemOptions): Promise<BlobFileSystem> {
    const fsys = new BlobFileSystem([], options);
    const fail = (err: unknown): never => {
      throw err instanceof CheckpointError
        ? err
        : new IOError(`Failed to read a dropped item: ${String(err)}`, { cause: err });
    };
    const walk = async (entry: EntryLike, prefix: string): Promise<void> => {
      const getFile = entry.isFile ? entry.file?.bind(entry) : undefined;
      if (getFile) {
        const file = await new Promise<FileLike>((resolve, reject) => getFile(resolve, reject)).catch(fail);
        fsys.add(`${prefix}${entry.name}`, file);
      } else if (entry.isDirectory && entry.createReader) {
        const reader = entry.createReader();
        // readEntries returns a batch per call (100 in Chromium) until an empty one.
        for (;;) {
          const batch = await new Promise<EntryLike[]>((resolve, reject) => reader.readEntries(resolve, reject)).catch(
            fail,
          );
          if (batch.length === 0) break;
          for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
        }
      }
    };
    // Entries must be taken synchronously, before the drop event's data store closes.
    const items = Array.from(transfer.items).filter((i) => i.kind === 'file');
    const entries = items.map((i) => i.webkitGetAsEntry?.() ?? null);
    for (const [i, item] of items.entries()) {
      const entry = entries[i];
      if (entry) await walk(entry, '');
      else {
        const file = item.getAsFile?.();
        if (file) fsys.add(file.name, file);
      }
    }
    return fsys;
  }

  /** Paths of every file held. */
  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  private counted =
    (path: string) =>
    (n: number): void => {
      this.bytesRead += n;
      this.options.onProgress?.({ path, bytesRead: this.bytesRead });
    };

  async open(path: string): Promise<ByteSource> {
    const p = normalize(path);
    const blob = this.files.get(p);
    if (blob === undefined) throw new NotFoundError(`${path}: No such file among the files given`, { file: path });
    return new BlobSource(p, blob, this.counted(p));
  }

  async stat(path: string): Promise<FileInfo | null> {
    const p = normalize(path);
    const blob = this.files.get(p);
    if (blob !== undefined) {
      return { isFile: true, isDirectory: false, size: blob.size, mtimeMs: (blob as FileLike).lastModified ?? 0 };
    }
    const prefix = p === '' ? '' : `${p}/`;
    for (const f of this.files.keys())
      if (f.startsWith(prefix)) return { isFile: false, isDirectory: true, size: 0, mtimeMs: 0 };
    return null;
  }

  async readFile(path: string): Promise<Uint8Array> {
    const source = await this.open(path);
    return source.read(0, source.size);
  }

  async list(dir: string): Promise<string[]> {
    const d = normalize(dir);
    const prefix = d === '' ? '' : `${d}/`;
    const names = new Set<string>();
    for (const f of this.files.keys()) {
      if (!f.startsWith(prefix)) continue;
      const [name = ''] = f.slice(prefix.length).split('/');
      names.add(name);
    }
    return [...names].sort();
  }

  join(...parts: string[]): string {
    return normalize(parts.filter((p) => p !== '').join('/'));
  }
  dirname(path: string): string {
    const p = normalize(path);
    const i = p.lastIndexOf('/');
    return i < 0 ? '.' : p.slice(0, i);
  }
  basename(path: string): string {
    const p = normalize(path);
    return p.slice(p.lastIndexOf('/') + 1);
  }
  isAbsolute(): boolean {
    return false;
  }
  relative(from: string, path: string): string {
    const f = normalize(from);
    const p = normalize(path);
    return f !== '' && p.startsWith(`${f}/`) ? p.slice(f.length + 1) : p;
  }
}

function isBlobLike(value: unknown): value is BlobLike {
  if (typeof value !== 'object' || value === null) return false;
  const { slice, size } = value as { slice?: unknown; size?: unknown };
  return typeof slice === 'function' && typeof size === 'number';
}
