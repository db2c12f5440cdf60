/**
 * `CheckpointManager`: TensorFlow's `tf.train.CheckpointManager`. Numbers checkpoints `{dir}/{name}-{N}` by the
 * checkpoint's save counter, keeps the newest `maxToKeep` (optionally preserving one every N hours), deletes the
 * others' files and keeps the directory's `checkpoint` state file listing exactly the kept ones.
 *
 * Saves on one manager run one after another, whoever calls them (a training loop and an autosave timer, say). As
 * in TensorFlow, the state file names the new checkpoint before any old one is deleted, and is written again once
 * the deletions are done: a crash mid-sweep leaves the latest checkpoint named, never a deleted one.
 */
import { indexFilename, readCheckpointState } from '../bundle';
import { InvalidArgumentError } from '../errors';
import { defaultFileSystem, type FileSystem } from '../io';
import type { Checkpoint } from './checkpoint';
import { removeDataFiles, writeStateFile } from './checkpoint_files';
import type { SaveOptions } from './save';

/** Options of a {@link CheckpointManager}: what to keep, the file name prefix, and how to save. */
export interface CheckpointManagerOptions extends Omit<SaveOptions, 'fs'> {
  /** How many recent checkpoints to keep; undefined or null keeps all. */
  maxToKeep?: number | null;
  /** Besides the newest, keep one checkpoint every this many hours. */
  keepCheckpointEveryNHours?: number | null;
  /** File name prefix inside the directory (default `ckpt`). */
  checkpointName?: string;
  fs?: FileSystem;
}

/**
 * TensorFlow's `tf.train.CheckpointManager`: saves numbered checkpoints of a {@link Checkpoint} into a directory,
 * keeps the newest `maxToKeep` (and one every `keepCheckpointEveryNHours`), and maintains the `checkpoint` state file
 * TensorFlow reads. Saves run one at a time, even when called concurrently.
 *
 * @example
 * {@includeCode ../../examples/save_for_python.ts#CheckpointManager}
 */
export class CheckpointManager {
  private readonly fs: FileSystem;
  private readonly name: string;
  /** Kept checkpoints, oldest first, with their timestamps (seconds since the epoch). */
  private kept = new Map<string, number>();
  private lastPreserved = Date.now() / 1000;
  private latest: string | null = null;
  /** Resolves once the directory's existing state has been read (save() waits for it too). */
  readonly ready: Promise<void>;
  /** The save in progress (or the last one), which the next save waits for. */
  private saving: Promise<unknown> = Promise.resolve();

  constructor(
    readonly checkpoint: Checkpoint,
    readonly directory: string,
    private readonly options: CheckpointManagerOptions = {},
  ) {
    if (
      options.maxToKeep !== undefined &&
      options.maxToKeep !== null &&
      !(Number.isInteger(options.maxToKeep) && options.maxToKeep > 0)
    ) {
      throw new InvalidArgumentError(`maxToKeep must be a positive integer or null, got ${options.maxToKeep}`);
    }
    this.fs = options.fs ?? defaultFileSystem();
    this.name = options.checkpointName ?? 'ckpt';
    this.ready = this.load();
  }

  private async load(): Promise<void> {
    let state = null;
    try {
      state = await readCheckpointState(this.fs, this.directory);
    } catch {
      // TensorFlow starts afresh when the state file cannot be parsed.
    }
    if (state === null) return;
    const now = Date.now() / 1000;
    const { allModelCheckpointPaths, allModelCheckpointTimestamps } = state;
    allModelCheckpointPaths.forEach((p, i) => this.kept.set(p, allModelCheckpointTimestamps[i] ?? now));
    if (state.lastPreservedTimestamp) this.lastPreserved = state.lastPreservedTimestamp;
    this.latest = state.modelCheckpointPath || null;
  }

  /** The newest checkpoint's prefix (after `await manager.ready` or a save), or null. */
  get latestCheckpoint(): string | null {
    return this.latest;
  }

  /** The kept checkpoints' prefixes, oldest first. */
  get checkpoints(): string[] {
    return [...this.kept.keys()];
  }

  /** Saves a new checkpoint and applies the retention policy; returns its prefix. */
  save(checkpointNumber?: number): Promise<string> {
    const run = this.saving.then(() => this.saveNow(checkpointNumber));
    this.saving = run.catch(() => undefined);
    return run;
  }

  private async saveNow(checkpointNumber: number | undefined): Promise<string> {
    await this.ready;
    // As in TensorFlow, the counter advances even when the caller numbers the checkpoint.
    const count = this.checkpoint.saveCounter.advance();
    const prefix = this.fs.join(this.directory, `${this.name}-${checkpointNumber ?? count}`);
    await this.checkpoint.write(prefix, { ...this.options, fs: this.fs });
    this.kept.delete(prefix);
    this.kept.set(prefix, Date.now() / 1000);
    this.latest = prefix;
    await this.recordState(prefix);
    await this.sweep();
    await this.recordState(prefix);
    return prefix;
  }

  private recordState(latest: string): Promise<void> {
    return writeStateFile(this.fs, this.directory, {
      latest,
      all: [...this.kept.keys()],
      timestamps: [...this.kept.values()],
      lastPreserved: this.lastPreserved,
    });
  }

  private async sweep(): Promise<void> {
    const max = this.options.maxToKeep;
    if (max === undefined || max === null) return;
    const everyN = this.options.keepCheckpointEveryNHours;
    while (this.kept.size > max) {
      const [prefix, timestamp] = this.kept.entries().next().value as [string, number];
      this.kept.delete(prefix);
      if (everyN && timestamp - everyN * 3600 >= this.lastPreserved) {
        this.lastPreserved = timestamp;
        continue;
      }
      await this.deleteCheckpoint(prefix);
    }
  }

  private async deleteCheckpoint(prefix: string): Promise<void> {
    // The index first: without it the checkpoint no longer counts, even if deleting its data files is cut short.
    await this.fs.remove(indexFilename(prefix));
    await removeDataFiles(this.fs, prefix);
  }
}
