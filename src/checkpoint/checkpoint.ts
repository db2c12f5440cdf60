/**
 * `Checkpoint`: TensorFlow's `tf.train.Checkpoint` for tfjs objects. `new Checkpoint({ model, optimizer })` tracks
 * the values as children named by their keys (in sorted order, as TF does with keyword arguments) plus
 * `save_counter`; the key `root` stands for TF's positional root: `new Checkpoint({ root: model, optimizer })` is
 * `tf.train.Checkpoint(model, optimizer=optimizer)`, where the model itself is the checkpoint's root object.
 */
import { CheckpointError, InvalidArgumentError, NotFoundError, NotObjectBasedError } from '../errors';
import { CheckpointView, type ChildEntries, type OpenOptions, openValueSource, trackableChildren, TrackableView, type ValueSource } from '../graph';
import { defaultFileSystem } from '../io';
import {
  inferOptimizerVariables,
  isLayersModel,
  isOptimizer,
  type PreparedWrite,
  type Restorable,
  restorableAttributes,
  tensorFor,
  VARIABLE_VALUE,
} from '../trackable';
import { LoadStatus } from './load_status';
import { executeRestore, planRestore } from './restore';
import type { RestoreMode } from './restore_in_place';
import { removeAbandonedTemporaries, shardCountsOnDisk, writeBundleFiles, writeStateFile } from './checkpoint_files';
import { encodeCheckpoint, type SaveOptions } from './save';

/** The int64 `save_counter` a Checkpoint keeps (the `N` of `PREFIX-N`). */
export class SaveCounter implements Restorable {
  readonly shape: readonly number[] = [];
  readonly dtype = 'int32' as const;
  readonly name = 'save_counter';
  value = 0;
  /** Whether the counter exists yet (TF creates it lazily: first save or restore). */
  created = false;

  [restorableAttributes](): Map<string, Restorable> {
    return new Map<string, Restorable>([[VARIABLE_VALUE, this]]);
  }

  prepare(value: Parameters<Restorable['prepare']>[0], path: string): PreparedWrite {
    tensorFor(value, [], 'int32', path).dispose();
    const n = Number((value.data as ArrayLike<number | bigint>)[0]);
    return {
      commit: () => {
        this.value = n;
        this.created = true;
      },
      discard: () => undefined,
    };
  }

  read(): ReturnType<Restorable['read']> {
    return Promise.resolve({ dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(this.value)) });
  }

  /** Creates the counter if needed and counts one more save; returns the new count (the N of PREFIX-N). */
  advance(): number {
    this.created = true;
    return ++this.value;
  }

  /** TensorFlow creates the counter lazily, so checkpoints without one (SavedModels, `write()`) still match. */
  optional(): boolean {
    return true;
  }
}

export interface RestoreOptions extends OpenOptions, RestoreMode {
  /** Same as calling `expectPartial()` on the returned status before its warnings are printed. */
  expectPartial?: boolean;
  /** Called as values are read: bytes read so far and in all (for progress bars). */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export class Checkpoint {
  readonly saveCounter = new SaveCounter();
  private readonly root: object | undefined;
  private readonly named: Array<[string, object]>;

  constructor(objects: Record<string, object>) {
    const entries = Object.entries(objects);
    // Checked at run time as well: callers from plain JavaScript can pass anything.
    for (const [name, value] of entries as Array<[string, unknown]>) {
      if (typeof value !== 'object' || value === null) {
        throw new InvalidArgumentError(`\`Checkpoint\` was expecting ${name} to be a trackable object (an object deriving from \`Trackable\`), got ${String(value)}.`);
      }
    }
    this.root = objects['root'];
    // TensorFlow sorts keyword arguments by name.
    this.named = entries.filter(([name]) => name !== 'root').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const models = entries.map(([, v]) => v).filter(isLayersModel);
    for (const [, value] of entries) {
      if (!isOptimizer(value)) continue;
      const owner = models.find((m) => m.optimizer === value) ?? (models.length === 1 ? models[0] : undefined);
      if (owner) inferOptimizerVariables(value, owner);
    }
  }

  /** The positional root, which node 0 of a save is (edges back to it point at node 0). */
  get standsFor(): object | undefined {
    return this.root;
  }

  [trackableChildren](): ChildEntries {
    // Concatenated, not spread into push(): a root with 10^6 children would overflow the stack.
    const own: Array<[string, unknown]> = this.root === undefined ? [] : [...new TrackableView(this.root).children(this.root)];
    return own.concat(this.named, [['save_counter', this.saveCounter]]);
  }

  /**
   * Node 0's children when saving, in TensorFlow's order: the root's own children, the named objects (sorted),
   * `root` (an edge back to node 0) when there is a root, and `save_counter` once the counter exists (TF creates
   * it on the first save or restore, so write() of a fresh Checkpoint has none).
   */
  saveChildren(childrenOf: (obj: object) => Array<[string, object]>): Array<[string, object]> {
    const out: Array<[string, object]> = [];
    if (this.root !== undefined) out.push(...childrenOf(this.root), ...this.named, ['root', this]);
    else out.push(...this.named);
    if (this.saveCounter.created) out.push(['save_counter', this.saveCounter]);
    return out;
  }

  /** Writes the checkpoint at exactly `prefix` (no counter, no state file) — TF's `write()`. Returns `prefix`. */
  async write(prefix: string, options: SaveOptions = {}): Promise<string> {
    const fs = options.fs ?? defaultFileSystem();
    await removeAbandonedTemporaries(fs, fs.dirname(prefix));
    const bundle = await encodeCheckpoint(this, options, await shardCountsOnDisk(fs, prefix));
    await writeBundleFiles(fs, prefix, bundle);
    return prefix;
  }

  /**
   * Increments `save_counter`, writes `PREFIX-N` and records it in the directory's `checkpoint` state file, as
   * TF's `save()` does. Returns the path written.
   */
  async save(prefix: string, options: SaveOptions = {}): Promise<string> {
    const fs = options.fs ?? defaultFileSystem();
    const path = await this.write(`${prefix}-${this.saveCounter.advance()}`, options);
    await writeStateFile(fs, fs.dirname(prefix), { latest: path, all: [path] });
    return path;
  }

  /**
   * Restores the checkpoint at `savePath` (a prefix, a directory with a `checkpoint` file, or a SavedModel
   * directory) into the tracked objects. All or nothing: if any value fails to read or fit, no variable changes
   * (see RestoreMode for in-place writes and `atomic: false`).
   */
  async restore(savePath: string, options: RestoreOptions = {}): Promise<LoadStatus> {
    let reader: ValueSource;
    try {
      reader = await openValueSource(savePath, options);
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new NotFoundError(
          `Error when restoring from checkpoint or SavedModel at ${savePath}: ${err.message}\nPlease double-check that ` +
            "the path is correct. You may be missing the checkpoint suffix (e.g. the '-1' in 'path/to/ckpt-1').",
          { file: err.file ?? savePath, cause: err },
        );
      }
      throw err;
    }
    let status: LoadStatus;
    try {
      status = await restoreWithReader(this, reader, savePath, options);
    } finally {
      await reader.close();
    }
    return status.scheduleWarnings();
  }
}

/** Restores an open checkpoint into the tree under `root` (used by Checkpoint.restore and loadWeights). */
export async function restoreWithReader(root: object, reader: ValueSource, savePath: string, options: RestoreOptions = {}): Promise<LoadStatus> {
  const graph = await reader.objectGraph();
  if (graph === null) {
    throw new NotObjectBasedError(
      `The checkpoint at ${savePath} has no object graph (it was written by TensorFlow 1's name-based Saver); ` +
        'object-based restore needs one. Read its variables by name with CheckpointReader.getTensor instead.',
      { file: reader.prefix },
    );
  }
  const view = CheckpointView.fromObjectGraph(graph);
  // Files laid out by another writer (Keras's HDF5) name the root's children their own way.
  const plan = planRestore(view, reader.liveRoot?.(root) ?? root, reader);
  try {
    await executeRestore(plan, reader, options.onProgress, options);
  } catch (err) {
    throw err instanceof CheckpointError ? err.inFile(reader.prefix) : err;
  }
  const status = new LoadStatus(plan, savePath);
  return options.expectPartial ? status.expectPartial() : status;
}
