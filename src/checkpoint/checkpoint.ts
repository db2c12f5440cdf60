/**
 * `Checkpoint`: TensorFlow's `tf.train.Checkpoint` for tfjs objects. `new Checkpoint({ model, optimizer })` tracks
 * the values as children named by their keys (in sorted order, as TF does with keyword arguments) plus
 * `save_counter`; the key `root` stands for TF's positional root: `new Checkpoint({ root: model, optimizer })` is
 * `tf.train.Checkpoint(model, optimizer=optimizer)`, where the model itself is the checkpoint's root object.
 */
import { CheckpointError, InvalidArgumentError, NotFoundError } from '../errors';
import {
  type ChildEntries,
  type ChildListing,
  CheckpointView,
  lookupDependency,
  type OpenOptions,
  openValueSource,
  trackableChildren,
  TrackableView,
  trackTogether,
  type ValueSource,
  VIEW_LISTING,
} from '../graph';
import { defaultFileSystem } from '../io';
import { type PreparedWrite, type Restorable, restorableAttributes, tensorFor, VARIABLE_VALUE } from '../trackable';
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

/** Options of {@link Checkpoint.restore} and {@link loadWeights}: where to read from, checks, restore mode, progress. */
export interface RestoreOptions extends OpenOptions, RestoreMode {
  /** Same as calling `expectPartial()` on the returned status before its warnings are printed. */
  expectPartial?: boolean;
  /** Called as values are read: bytes read so far and in all (for progress bars). */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/**
 * TensorFlow's `tf.train.Checkpoint`: `new Checkpoint({ model, optimizer })` names the objects to save and restore
 * as `tf.train.Checkpoint(model=model, optimizer=optimizer)` does; the key `root` is TensorFlow's positional root.
 *
 * Restores match the checkpoint's object graph against the live objects (tfjs models, layers, variables,
 * optimizers, plain objects), all or nothing by default; saves write checkpoints TensorFlow reads back.
 *
 * @example Restoring what Python saved
 * {@includeCode ../../examples/restore_keras.ts#Checkpoint}
 *
 * @example Saving as Keras's save_weights does, the model as the root
 * {@includeCode ../../examples/keras_weights.ts#saveWeights}
 */
export class Checkpoint {
  /** How many times {@link Checkpoint.save} has run (saved and restored with the checkpoint, as TensorFlow's `save_counter`). */
  readonly saveCounter = new SaveCounter();
  private readonly root: object | undefined;
  private readonly named: Array<[string, object]>;

  /** The objects to checkpoint, by the names they have under the checkpoint's root. */
  constructor(objects: Record<string, object>) {
    const entries = Object.entries(objects);
    // Checked at run time as well: callers from plain JavaScript can pass anything.
    for (const [name, value] of entries as Array<[string, unknown]>) {
      if (typeof value !== 'object' || value === null) {
        throw new InvalidArgumentError(
          `\`Checkpoint\` was expecting ${name} to be a trackable object (an object deriving from \`Trackable\`), got ${String(value)}.`,
        );
      }
    }
    this.root = objects['root'];
    // TensorFlow sorts keyword arguments by name.
    this.named = entries.filter(([name]) => name !== 'root').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // Objects tracked together may depend on each other (an optimizer updates the model beside it).
    trackTogether(entries.map(([, v]) => v));
  }

  /** The positional root, which node 0 of a save stands for (edges back to it point at node 0). */
  get standsFor(): object | undefined {
    return this.root;
  }

  /**
   * Node 0's children: the root's own children, the named objects (sorted), and `save_counter`. A save lists them
   * in TensorFlow's order with `root` (an edge back to node 0) after the named objects when there is a root, and
   * `save_counter` only once the counter exists (TF creates it on the first save or restore, so write() of a
   * fresh Checkpoint has none).
   */
  [trackableChildren](listing: ChildListing = VIEW_LISTING): ChildEntries {
    // Concatenated, not spread into push(): a root with 10^6 children would overflow the stack.
    const own: Array<[string, unknown]> =
      this.root === undefined ? [] : [...new TrackableView(this.root, listing).children(this.root)];
    if (listing.mode !== 'save') return own.concat(this.named, [['save_counter', this.saveCounter]]);
    const rest: Array<[string, unknown]> = this.root === undefined ? [...this.named] : [...this.named, ['root', this]];
    if (this.saveCounter.created) rest.push(['save_counter', this.saveCounter]);
    return own.concat(rest);
  }

  /** One child of the listing above, by name, without listing the root's children (a restore's lookups). */
  [lookupDependency](name: string, view: TrackableView): unknown {
    const mode = view.listing.mode;
    // The listing's last trackable entry of a name wins, so look from the end: save_counter, the named objects,
    // the root's children.
    if (name === 'save_counter' && (mode !== 'save' || this.saveCounter.created)) return this.saveCounter;
    if (mode === 'save' && name === 'root' && this.root !== undefined) return this;
    const named = this.named.find(([n]) => n === name);
    if (named !== undefined && view.isTrackable(named[1])) return named[1];
    return this.root === undefined ? undefined : view.child(this.root, name);
  }

  /** Writes the checkpoint at exactly `prefix` (no counter, no state file) — TF's `write()`. Returns `prefix`. */
  async write(prefix: string, options: SaveOptions = {}): Promise<string> {
    const fs = options.fs ?? defaultFileSystem();
    await removeAbandonedTemporaries(fs, fs.dirname(prefix));
    const bundle = await encodeCheckpoint(
      { object: this, standsFor: this.root },
      options,
      await shardCountsOnDisk(fs, prefix),
    );
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
export async function restoreWithReader(
  root: object,
  reader: ValueSource,
  savePath: string,
  options: RestoreOptions = {},
): Promise<LoadStatus> {
  const view = await CheckpointView.fromValueSource(reader, savePath);
  // A value source laid out by another writer may see the root under its own names (ValueSource.liveRoot).
  const plan = planRestore(view, reader.liveRoot?.(root) ?? root, reader);
  try {
    await executeRestore(plan, reader, options.onProgress, options);
  } catch (err) {
    throw err instanceof CheckpointError ? err.inFile(reader.prefix) : err;
  }
  const status = new LoadStatus(plan, savePath);
  return options.expectPartial ? status.expectPartial() : status;
}
