/**
 * `CheckpointReader`: TensorFlow's `tf.train.load_checkpoint` / `py_checkpoint_reader` for JavaScript. Opens a
 * checkpoint given a prefix, a directory with a `checkpoint` file or a SavedModel directory; lists, describes and
 * reads its tensors; decodes its object graph.
 */
import {
  BundleReader,
  dtypeInfo,
  type BundleReadOptions,
  type DTypeName,
  resolveCheckpointPrefix,
  type TensorEntry,
  type TensorValue,
} from '../bundle';
import type { BundleHeader } from '../bundle/entry';
import { at } from '../checked';
import { CorruptCheckpointError } from '../errors';
import { type ByteSource, defaultFileSystem, type FileSystem } from '../io';
import { decodeObjectGraph, OBJECT_GRAPH_PROTO_KEY, type StoredObjectGraph } from './object_graph';

/**
 * How to open a checkpoint: the file system to read it from (`fs`, default the local disk under Node) and whether
 * to verify checksums.
 */
export interface OpenOptions extends BundleReadOptions {
  /** Where files are read from; the local file system under Node by default. */
  fs?: FileSystem;
}

/** Most tensors one attribute may be stored as (savers of several tensors write two or three). */
export const MAX_ATTRIBUTE_KEYS = 256;

/**
 * Reads the tensors of a checkpoint by key, as TensorFlow's `tf.train.load_checkpoint` (`py_checkpoint_reader`)
 * does: lazily, a value at a time, each checked against its stored crc32c.
 *
 * `path` may be a checkpoint prefix (`dir/ckpt-3`), one of its files, a directory with a `checkpoint` state file
 * (its latest checkpoint) or a SavedModel directory; `options.fs` reads it from elsewhere ({@link HttpFileSystem},
 * {@link BlobFileSystem}, {@link MemoryFileSystem}).
 *
 * @example
 * {@includeCode ../../examples/inspect.ts#CheckpointReader}
 */
export class CheckpointReader {
  private graph: Promise<StoredObjectGraph | null> | null = null;
  /** Keys in JavaScript string order, for prefix searches. */
  private sortedKeys: string[] | null = null;

  private constructor(
    /** The bundle prefix that was opened (after resolving directories). */
    readonly prefix: string,
    private readonly bundle: BundleReader,
  ) {}

  /** Opens the checkpoint at `path` (a prefix, a bundle file, a directory or a SavedModel) and reads its index. */
  static async open(path: string, options: OpenOptions = {}): Promise<CheckpointReader> {
    const fs = options.fs ?? defaultFileSystem();
    const prefix = await resolveCheckpointPrefix(fs, path);
    return new CheckpointReader(prefix, await BundleReader.open(fs, prefix, options));
  }

  /** The index's header: shard count, byte order, format version. */
  get header(): BundleHeader {
    return this.bundle.header;
  }

  /** Every tensor key (slice keys hidden, the object graph included), sorted like TensorFlow sorts them. */
  keys(): string[] {
    return this.bundle.keys();
  }

  /** Whether the checkpoint holds a tensor under `key`. */
  has(key: string): boolean {
    return this.bundle.has(key);
  }

  /**
   * Keys holding an attribute's value: its checkpoint key, or, for savers that write several tensors (iterators:
   * `…/ITERATOR_STATE`, lookup tables: `…-keys`, `…-values`), the keys that extend it. Found by binary search in
   * the sorted keys, so listing every attribute of a graph costs O(attributes · log keys), not their product; more
   * than MAX_ATTRIBUTE_KEYS extensions (real savers write a handful) fail with CorruptCheckpointError.
   */
  attributeKeys(checkpointKey: string): string[] {
    if (this.has(checkpointKey)) return [checkpointKey];
    const sorted = (this.sortedKeys ??= this.keys().sort());
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at(sorted, mid, 'sorted keys') < checkpointKey) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo, key = sorted[i]; key?.startsWith(checkpointKey) === true; key = sorted[++i]) {
      if (out.length === MAX_ATTRIBUTE_KEYS) {
        throw new CorruptCheckpointError(
          `${this.bundle.indexFile}: the attribute key ${JSON.stringify(checkpointKey)} is stored as more than ` +
            `${MAX_ATTRIBUTE_KEYS} tensors (the cap for one attribute)`,
          { file: this.bundle.indexFile, key: checkpointKey },
        );
      }
      out.push(key);
    }
    return out;
  }

  /** dtype, shape, shard, offset, size, crc32c and slices of a tensor. */
  entry(key: string): TensorEntry {
    return this.bundle.entry(key);
  }

  /** The data file holding a (non-partitioned) tensor's bytes. */
  dataFile(key: string): string {
    return this.bundle.dataFile(this.bundle.entry(key));
  }

  /** The open data file that holds a whole (unpartitioned) tensor's bytes (in-place restores read it themselves). */
  dataSource(key: string): Promise<ByteSource> {
    return this.bundle.dataSource(this.bundle.entry(key));
  }

  /**
   * Reads one tensor, checksum verified; a partitioned tensor is reassembled from its slices.
   * An unknown key fails with `NotFoundError`.
   */
  getTensor(key: string): Promise<TensorValue> {
    return this.bundle.getTensor(key);
  }

  /**
   * Reads several tensors, calling `each(i, value)` as the tensor of `keys[i]` is ready (in no particular order),
   * at most `concurrency` at a time; stops at the first failure, of a read or of `each`, and throws it. Faster than
   * as many `getTensor` calls for a large set: the buffers are allocated before the reads start.
   */
  getTensors(
    keys: readonly string[],
    each: (index: number, value: TensorValue) => void,
    concurrency?: number,
  ): Promise<void> {
    return this.bundle.getTensors(keys, each, concurrency);
  }

  /** key → shape of every tensor (TensorFlow's get_variable_to_shape_map). */
  variableToShapeMap(): Map<string, number[]> {
    return new Map(this.keys().map((k) => [k, this.entry(k).shape]));
  }

  /** key → dtype name of every tensor (TensorFlow's get_variable_to_dtype_map). */
  variableToDtypeMap(): Map<string, DTypeName> {
    return new Map(this.keys().map((k) => [k, this.entry(k).dtype]));
  }

  /**
   * One line per tensor, `key (DT_FLOAT) [2,3,4]`, as TensorFlow's `debug_string()` and `inspect_checkpoint`
   * print them, except that a partitioned tensor shows as its full key and shape rather than as slice keys.
   */
  debugString(): string {
    return this.keys()
      .map((k) => {
        const e = this.entry(k);
        return `${k} (${dtypeInfo(e.dtypeId).tfName}) [${e.shape.join(',')}]\n`;
      })
      .join('');
  }

  /** The decoded object graph, or null for checkpoints without one (TF1 name-based savers). */
  objectGraph(): Promise<StoredObjectGraph | null> {
    if (this.graph === null) {
      this.graph = this.has(OBJECT_GRAPH_PROTO_KEY) ? graphOf(this.bundle) : Promise.resolve(null);
      // A failed read may be retried.
      this.graph.catch(() => (this.graph = null));
    }
    return this.graph;
  }

  /** Closes the data files; further reads fail. */
  close(): Promise<void> {
    return this.bundle.close();
  }

  /** Opens `path`, runs `fn` with the reader and closes it whatever happens. */
  static async with<T>(path: string, options: OpenOptions, fn: (reader: CheckpointReader) => Promise<T>): Promise<T> {
    const reader = await CheckpointReader.open(path, options);
    try {
      return await fn(reader);
    } finally {
      await reader.close();
    }
  }
}

/**
 * Just the object graph of the checkpoint at `path` (null when it has none), found by seeking the index rather
 * than reading all of it: what CheckpointView needs, fast on indexes of many thousands of entries.
 */
export async function readObjectGraph(path: string, options: OpenOptions = {}): Promise<StoredObjectGraph | null> {
  const fs = options.fs ?? defaultFileSystem();
  const bundle = await BundleReader.open(fs, await resolveCheckpointPrefix(fs, path), { ...options, scanIndex: false });
  try {
    if (!(await bundle.lookup(OBJECT_GRAPH_PROTO_KEY))) return null;
    return await graphOf(bundle);
  } finally {
    await bundle.close();
  }
}

async function graphOf(bundle: BundleReader): Promise<StoredObjectGraph> {
  // Checked on the index entry, before anything is read: a 26 MB file once stored the key as 26 million strings.
  const entry = bundle.entry(OBJECT_GRAPH_PROTO_KEY);
  if (entry.dtype !== 'string' || entry.shape.length !== 0) {
    throw new CorruptCheckpointError(
      `${bundle.indexFile}: ${OBJECT_GRAPH_PROTO_KEY} is ${entry.dtype}[${entry.shape.join(',')}], expected a scalar string`,
      { file: bundle.indexFile, key: OBJECT_GRAPH_PROTO_KEY },
    );
  }
  const value = await bundle.getTensor(OBJECT_GRAPH_PROTO_KEY);
  const bytes = value.dtype === 'string' && value.data.length === 1 ? (value.data[0] ?? null) : null;
  if (bytes === null) {
    throw new CorruptCheckpointError(
      `${bundle.indexFile}: ${OBJECT_GRAPH_PROTO_KEY} is ${value.dtype}[${value.shape.join(',')}], expected a scalar string`,
      { file: bundle.indexFile, key: OBJECT_GRAPH_PROTO_KEY },
    );
  }
  return decodeObjectGraph(bytes, bundle.dataFile(bundle.entry(OBJECT_GRAPH_PROTO_KEY)));
}

/**
 * Sorted (key, shape) pairs of every tensor, as `tf.train.list_variables`.
 *
 * @example
 * {@includeCode ../../examples/inspect.ts#listVariables}
 */
export function listVariables(path: string, options: OpenOptions = {}): Promise<Array<[string, number[]]>> {
  return CheckpointReader.with(path, options, async (r) =>
    r.keys().map((k): [string, number[]] => [k, r.entry(k).shape]),
  );
}

/**
 * One tensor's value, as `tf.train.load_variable` (a trailing `:0` is ignored).
 *
 * @example
 * {@includeCode ../../examples/tfjs_node.ts#loadVariable}
 */
export function loadVariable(path: string, name: string, options: OpenOptions = {}): Promise<TensorValue> {
  const key = name.endsWith(':0') ? name.slice(0, -2) : name;
  return CheckpointReader.with(path, options, (r) => r.getTensor(key));
}
