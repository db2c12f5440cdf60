/**
 * What a restore reads from: named tensor values plus an object graph over them. The tensor-bundle reader
 * (CheckpointReader) is one; framework files (Keras's HDF5 weights) register openers that present their own layout
 * the same way, so restore, load status, diff and the CLI have one path for every kind of file.
 */
import type { DTypeName, TensorValue } from '../bundle';
import { CheckpointReader, type OpenOptions } from './checkpoint_reader';
import type { ObjectGraph } from './object_graph';
import { Registry } from './registry';

/** Shape, dtype and stored size of one value. */
export interface ValueEntry {
  readonly dtype: DTypeName;
  readonly shape: readonly number[];
  /** Bytes the value occupies in the file (progress reporting). */
  readonly size: number;
}

/**
 * A file of named values a restore can read: a TensorFlow checkpoint, or another format (Keras HDF5) with an
 * object graph over its values. Register new kinds with {@link registerValueSourceOpener}.
 */
export interface ValueSource {
  /** The path opened, for messages and errors. */
  readonly prefix: string;
  /** Every value's key. */
  keys(): string[];
  /** Whether a value is stored under `key`. */
  has(key: string): boolean;
  /** Keys holding an attribute's value (see CheckpointReader.attributeKeys). */
  attributeKeys(checkpointKey: string): string[];
  /** What is known about a value before reading it (dtype, shape); an unknown key fails with `NotFoundError`. */
  entry(key: string): ValueEntry;
  /** Reads one value. */
  getTensor(key: string): Promise<TensorValue>;
  /** As CheckpointReader.getTensors: `each(i, value)` per key, stopping at the first failure. */
  getTensors(
    keys: readonly string[],
    each: (index: number, value: TensorValue) => void,
    concurrency?: number,
  ): Promise<void>;
  /** The object graph over the values, or null when the file has none. */
  objectGraph(): Promise<ObjectGraph | null>;
  /**
   * The object the graph's root node stands for when restoring into `obj`: the object itself for TensorFlow
   * checkpoints; a view naming `obj`'s children as the file's writer named them otherwise.
   */
  liveRoot?(obj: object): object;
  /** Releases the file; further reads fail. */
  close(): Promise<void>;
}

/** Opens files of one kind that is not a tensor bundle. */
export interface ValueSourceOpener {
  /** A short name for diagnostics. */
  readonly name: string;
  /** Whether `path` is this opener's kind of file (decided from the path alone: nothing is read). */
  claims(path: string): boolean;
  /** Opens the file at `path`. */
  open(path: string, options: OpenOptions): Promise<ValueSource>;
}

const openers = new Registry<ValueSourceOpener>();

/** Registers an opener; later registrations take precedence. Returns a function to remove it. */
export function registerValueSourceOpener(opener: ValueSourceOpener): () => void {
  return openers.register(opener);
}

/** The registered opener that claims `path`, if any. */
export function valueSourceOpenerFor(path: string): ValueSourceOpener | undefined {
  return openers.items.find((o) => o.claims(path));
}

/** Opens `path` with the opener that claims it, or as a TensorFlow checkpoint. */
export function openValueSource(path: string, options: OpenOptions = {}): Promise<ValueSource> {
  const opener = valueSourceOpenerFor(path);
  return opener ? opener.open(path, options) : CheckpointReader.open(path, options);
}

/** Opens `path`, runs `fn` with the source and closes it whatever happens. */
export async function withValueSource<T>(
  path: string,
  options: OpenOptions,
  fn: (source: ValueSource) => Promise<T>,
): Promise<T> {
  const source = await openValueSource(path, options);
  try {
    return await fn(source);
  } finally {
    await source.close();
  }
}
