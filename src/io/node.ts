import { constants as fsConstants, promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';

import { CheckpointError, IOError, NotFoundError } from '../errors';
import { checkRange } from './range';
import type { ByteSource, FileInfo, FileSystem } from './types';

/** Largest single read handed to the OS; Node rejects lengths of 2 GiB and more. */
const MAX_READ_CHUNK = 1 << 30;

function wrapOsError(err: unknown, path: string, what: string): CheckpointError {
  if (err instanceof CheckpointError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new NotFoundError(`${path}: No such file or directory`, { file: path, cause: err });
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new IOError(`Failed to ${what} ${path}: ${reason}`, { file: path, cause: err });
}

/**
 * Opens `path` for reading if it is a regular file. A FIFO opened plainly blocks until a writer appears, and a
 * read from one blocks a libuv thread for good (even `process.exit` then hangs): O_NONBLOCK makes the open return
 * at once, and the type is checked on the open handle, so nothing swapped in after a check is ever read.
 */
async function openRegularFile(path: string): Promise<fsp.FileHandle> {
  const flags = process.platform === 'win32' ? 'r' : fsConstants.O_RDONLY | fsConstants.O_NONBLOCK;
  const handle = await fsp.open(path, flags);
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new NotFoundError(`${path} is a directory, not a file`, { file: path });
    if (!st.isFile())
      throw new IOError(`${path} is not a regular file (a FIFO, socket or device): refusing to read it`, {
        file: path,
      });
    return handle;
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/**
 * How long ago a file must have last changed before its change time can tell a later change apart, by the
 * granularity of its timestamps: a change stamps the clock's current tick (a few ms on Linux, 100 ns on NTFS;
 * whole seconds, 2 s on FAT, where the file system keeps no fractions), so a change made within one tick of the
 * previous one could leave the change time as it was.
 */
const SETTLED_NS = { fine: 1_000_000_000n, wholeSeconds: 3_000_000_000n };

/** A Node file opened for positional reads (`pread`), so reading one tensor touches only its bytes. */
export class NodeFileSource implements ByteSource {
  private handle: fsp.FileHandle | null;
  /** Big enough that per-read overhead vanishes, small enough that a piece is still in the CPU cache when hashed. */
  readonly readPieceSize = 4 << 20;

  private constructor(
    readonly name: string,
    handle: fsp.FileHandle,
    readonly size: number,
  ) {
    this.handle = handle;
  }

  /** Opens the file at `path` for reading; a missing file fails with `NotFoundError`. */
  static async open(path: string): Promise<NodeFileSource> {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await openRegularFile(path);
      return new NodeFileSource(path, handle, (await handle.stat()).size);
    } catch (err) {
      await handle?.close().catch(() => undefined);
      throw wrapOsError(err, path, 'open');
    }
  }

  async read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array> {
    checkRange(this.name, this.size, offset, length, target);
    const handle = this.handle;
    if (handle === null) throw new IOError(`${this.name} was closed`, { file: this.name });
    const out = target ?? new Uint8Array(length);
    let done = 0;
    try {
      while (done < length) {
        const want = Math.min(length - done, MAX_READ_CHUNK);
        const { bytesRead } = await handle.read(out, done, want, offset + done);
        if (bytesRead === 0) {
          throw new IOError(`Unexpected end of ${this.name} at offset ${offset + done} (file changed while reading?)`, {
            file: this.name,
          });
        }
        done += bytesRead;
      }
    } catch (err) {
      throw wrapOsError(err, this.name, 'read');
    }
    return out;
  }

  /**
   * The open file's device, inode, size, modification and change times (fstat, in nanoseconds). The handle stays
   * open, so a file replaced by a rename (as TensorFlow writes checkpoints) is still the file read; a write into
   * it, a truncation or a utimes() sets its change time to the current tick, which the kernel offers no way to set
   * back. Null while the file changed too recently for that tick to differ from the next (SETTLED_NS), when the
   * file system keeps no change times (0), or when fstat fails: then the caller checks the bytes themselves.
   */
  async identity(): Promise<string | null> {
    const handle = this.handle;
    if (handle === null) return null;
    const st = await handle.stat({ bigint: true }).catch(() => null);
    if (st === null) return null;
    if (st.ctimeNs <= 0n || st.mtimeNs <= 0n) return null;
    const wholeSeconds = st.ctimeNs % 1_000_000_000n === 0n && st.mtimeNs % 1_000_000_000n === 0n;
    const age = BigInt(Date.now()) * 1_000_000n - st.ctimeNs;
    if (age < (wholeSeconds ? SETTLED_NS.wholeSeconds : SETTLED_NS.fine)) return null;
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }
}

/**
 * Writes every byte of `chunks` from the start of the file. A write may store fewer bytes than asked (a file-size
 * limit, a full disk part-way): the rest is written again, and a write that stores nothing is an error — never a
 * silently truncated file.
 */
async function writeAll(handle: fsp.FileHandle, path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const pending = chunks.filter((c) => c.length > 0);
  let first = 0;
  let position = 0;
  while (first < pending.length) {
    const { bytesWritten } = await handle.writev(first === 0 ? pending : pending.slice(first), position);
    if (bytesWritten <= 0)
      throw new IOError(`Failed to write ${path}: no bytes written at offset ${position}`, { file: path });
    position += bytesWritten;
    let skip = bytesWritten;
    for (let head = pending[first]; head !== undefined && skip >= head.length; head = pending[first]) {
      skip -= head.length;
      first++;
    }
    const partly = pending[first];
    if (skip > 0 && partly !== undefined) pending[first] = partly.subarray(skip);
  }
}

/** The local file system through `node:fs/promises`. */
export class NodeFileSystem implements FileSystem {
  open(path: string): Promise<ByteSource> {
    return NodeFileSource.open(path);
  }

  async stat(path: string): Promise<FileInfo | null> {
    try {
      const st = await fsp.stat(path);
      return { isFile: st.isFile(), isDirectory: st.isDirectory(), size: st.size, mtimeMs: st.mtimeMs };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw wrapOsError(err, path, 'stat');
    }
  }

  async readFile(path: string): Promise<Uint8Array> {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await openRegularFile(path);
      const buf = await handle.readFile();
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    } catch (err) {
      throw wrapOsError(err, path, 'read');
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await fsp.readdir(dir)).sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw wrapOsError(err, dir, 'list');
    }
  }

  async writeFile(
    path: string,
    data: Uint8Array | readonly Uint8Array[],
    options?: { durable?: boolean },
  ): Promise<void> {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(path, 'w');
      await writeAll(handle, path, data instanceof Uint8Array ? [data] : data);
      if (options?.durable) await handle.sync();
    } catch (err) {
      throw wrapOsError(err, path, 'write');
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    try {
      await fsp.rename(from, to);
    } catch (err) {
      throw wrapOsError(err, from, `rename to ${to}:`);
    }
  }

  async remove(path: string): Promise<void> {
    try {
      await fsp.rm(path, { force: true });
    } catch (err) {
      throw wrapOsError(err, path, 'remove');
    }
  }

  async mkdir(path: string): Promise<void> {
    try {
      await fsp.mkdir(path, { recursive: true });
    } catch (err) {
      throw wrapOsError(err, path, 'create directory');
    }
  }

  async syncDirectory(path: string): Promise<void> {
    // fsync on a directory makes renames durable on POSIX; Windows does not allow opening directories.
    if (process.platform === 'win32') return;
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(path, 'r');
      await handle.sync();
    } catch {
      // Best effort: some file systems reject fsync on directories; the rename itself stays atomic.
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  join(...parts: string[]): string {
    return nodePath.join(...parts);
  }

  dirname(path: string): string {
    return nodePath.dirname(path);
  }

  basename(path: string): string {
    return nodePath.basename(path);
  }

  isAbsolute(path: string): boolean {
    return nodePath.isAbsolute(path);
  }

  relative(from: string, path: string): string {
    return nodePath.relative(from, path);
  }
}
