/**
 * Byte access as the layers above need it: positional reads from files that may be large, remote or in memory.
 * Nothing above `src/io` touches `fs`; everything goes through these interfaces, so the same reader works on Node
 * files, in-memory buffers and (later) HTTP range requests in browsers.
 */

/** A random-access, read-only run of bytes of known size (one open file). */
export interface ByteSource {
  /** The path or URL, used in error messages. */
  readonly name: string;
  /** Total size in bytes, known when the source is opened. */
  readonly size: number;
  /**
   * Reads exactly `length` bytes starting at `offset`, into `target` when given (its length must be `length`),
   * else into a new buffer. Ranges past the end fail with a `CorruptCheckpointError` before anything is allocated.
   * A read that cannot deliver every byte must throw: `target` may start out holding stale memory.
   */
  read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array>;
  /**
   * When set, longer reads are better issued as pieces of this size: a local file reads them concurrently while
   * the caller processes (checksums) the pieces already read. Unset for sources where each read is a round trip.
   */
  readonly readPieceSize?: number;
  /**
   * Announces reads about to be made with exactly these arguments (and targets), so that a remote source can fetch
   * neighbouring ones together. Optional: sources where each read costs little ignore it.
   */
  willRead?(reads: readonly PlannedRead[]): void;
  /**
   * A token for the bytes this source reads, when it can vouch for them: equal tokens taken before and after some
   * reads prove that every one of those reads saw the same bytes, so bytes verified by an earlier read need no
   * second checksum when read again. Null when the source cannot vouch for them now; absent when it never can.
   */
  identity?(): Promise<string | null>;
  /** Releases the underlying handle; further reads fail. Idempotent. */
  close(): Promise<void>;
}

/** A read announced ahead (see ByteSource.willRead). */
export interface PlannedRead {
  /** Where the read starts, in bytes. */
  offset: number;
  /** How many bytes it reads. */
  length: number;
  /** The buffer it reads into. */
  target: Uint8Array;
}

/** What {@link FileSystem.stat} knows about a path. */
export interface FileInfo {
  /** A regular file. */
  isFile: boolean;
  /** A directory. */
  isDirectory: boolean;
  /** Size in bytes (0 for directories). */
  size: number;
  /** Modification time in milliseconds since the epoch. */
  mtimeMs: number;
}

/**
 * The file-system operations the package needs, with the platform's path rules. Write operations are used by the
 * checkpoint writer; a read-only implementation may reject them.
 */
export interface FileSystem {
  /** Opens a file for positional reads; a missing file fails with `NotFoundError`. */
  open(path: string): Promise<ByteSource>;
  /** Information about a path, or null when nothing exists there. */
  stat(path: string): Promise<FileInfo | null>;
  /** Reads a whole (small) file; a missing file fails with `NotFoundError`. */
  readFile(path: string): Promise<Uint8Array>;
  /** Names (not paths) of the entries of a directory, or [] when it does not exist. */
  list(dir: string): Promise<string[]>;
  /** Writes a whole file, replacing it; with `durable`, data reaches the disk before the promise resolves. */
  writeFile(path: string, data: Uint8Array | readonly Uint8Array[], options?: { durable?: boolean }): Promise<void>;
  /** Renames atomically where the platform allows (same directory). */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file; no error when it does not exist. */
  remove(path: string): Promise<void>;
  /** Creates a directory and its parents. */
  mkdir(path: string): Promise<void>;
  /** Flushes a directory entry (after renames) where the platform supports it. */
  syncDirectory(path: string): Promise<void>;

  /** Joins path parts with the platform's separator. */
  join(...parts: string[]): string;
  /** The directory part of a path. */
  dirname(path: string): string;
  /** The last part of a path. */
  basename(path: string): string;
  /** Whether a path is absolute (else it is relative to the file system's working directory or base). */
  isAbsolute(path: string): boolean;
  /** Path of `path` relative to directory `from` (used for the relative paths of the state file). */
  relative(from: string, path: string): string;
}
