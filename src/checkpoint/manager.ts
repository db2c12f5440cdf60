/**
 * `CheckpointManager`: TensorFlow's `tf.train.CheckpointManager`. Numbers checkpoints `{dir}/{name}-{N}` by the
 * checkpoint's save counter, keeps the newest `maxToKeep` (optionally preserving one every N hours), deletes the
 * others' files and keeps the directory's `checkpoint` state file listing exactly the kept ones.
 */
import { indexFilename, readCheckpointState } from '../bundle';
import { InvalidArgumentError } from '../errors';
import { defaultFileSystem, type FileSystem } from '../io';
import type { Checkpoint } from './checkpoint';
import { removeDataFiles, type SaveOptions, writeStateFile } from './save';

export interface CheckpointManagerOptions extends Omit<SaveOptions, 'fs'> {
  /** How many recent checkpoints to keep; undefined or null keeps all. */
  maxToKeep?: number | null;
  /** Besides the newest, keep one checkpoint every this many hours. */
  keepCheckpointEveryNHours?: number | null;
  /** File name prefix inside the directory (default `ckpt`). */
  checkpointName?: string;
  fs?: FileSystem;
}

export class CheckpointManager {
  private readonly fs: FileSystem;
  private readonly name: string;
  /** Kept checkpoints, oldest first, with their timestamps (seconds since the epoch). */
  private kept = new Map<string, number>();
  private lastPreserved = Date.now() / 1000;
  private latest: string | null = null;
  /** Resolves once the directory's existing state has been read (save() waits for it too). */
  readonly ready: Promise<void>;

  constructor(
    readonly checkpoint: Checkpoint,
    readonly directory: string,
    private readonly options: CheckpointManagerOptions = {},
  ) {
    if (options.maxToKeep !== undefined && options.maxToKeep !== null && !(Number.isInteger(options.maxToKeep) && options.maxToKeep > 0)) {
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
    state.allModelCheckpointPaths.forEach((p, i) => this.kept.set(p, state!.allModelCheckpointTimestamps[i] ?? now));
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
  async save(checkpointNumber?: number): Promise<string> {
    await this.ready;
    // As in TensorFlow, the counter advances even when the caller numbers the checkpoint.
    const count = this.checkpoint.saveCounter.advance();
    const prefix = this.fs.join(this.directory, `${this.name}-${checkpointNumber ?? count}`);
    await this.checkpoint.write(prefix, { ...this.options, fs: this.fs });
    const timestamp = Date.now() / 1000;
    this.kept.delete(prefix);
    this.kept.set(prefix, timestamp);
    this.latest = prefix;
    await this.sweep();
    await writeStateFile(this.fs, this.directory, {
      latest: prefix,
      all: [...this.kept.keys()],
      timestamps: [...this.kept.values()],
      lastPreserved: this.lastPreserved,
    });
    return prefix;
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
