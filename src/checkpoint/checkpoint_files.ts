/**
 * Putting a checkpoint's files on disk so that a crash at any point leaves a readable checkpoint: the previous one
 * until the new index lands, the new one after.
 *
 * The order, for `PREFIX` with data files `PREFIX.data-S-of-N` and the index `PREFIX.index`:
 *  1. every file is written under a temporary name and flushed (fsync);
 *  2. the data files are renamed into place. Their shard count N was chosen so that no file under PREFIX uses it
 *     (see encodeCheckpoint), so these names are new and the current index still finds its own data files;
 *  3. the directory is flushed, then the index is renamed into place: one atomic rename switches readers over;
 *  4. the directory is flushed again, and only then are the previous checkpoint's data files removed.
 * A failure part-way removes what this save wrote and leaves everything else as it was.
 *
 * TensorFlow renames data files over the old ones before the index, so a crash while overwriting a prefix can pair
 * the old index with new data; here the shard count of an overwritten prefix changes instead (1 ↔ 2, the extra
 * data file empty).
 */
import {
  BUNDLE_FILE_SUFFIX,
  CHECKPOINT_STATE_FILENAME,
  dataFilename,
  type EncodedBundle,
  formatCheckpointState,
  indexFilename,
  parseBundleFileName,
} from '../bundle';
import { at } from '../checked';
import { currentProcessId, type FileSystem, processAlive } from '../io';

/** The shard count of a data file of the checkpoint whose base name is `base`, or null for any other file. */
function dataFileShards(name: string, base: string): number | null {
  const f = parseBundleFileName(name);
  return f?.kind === 'data' && f.prefix === base ? f.numShards : null;
}

/**
 * A temporary written by a save: a bundle file or the state file, then `.tmp-PID-ID`. Anchored to those names so
 * that a user's own `notes.tmp-2024-final` is never taken for one.
 */
const TEMPORARY = new RegExp(
  String.raw`^(?:.+\.${BUNDLE_FILE_SUFFIX}|${CHECKPOINT_STATE_FILENAME})\.tmp-(\d+)-[0-9a-z]+$`,
  's',
);

let tmpCounter = 0;

/** A temporary-file suffix naming this process, so a later save can tell abandoned files from live ones. */
function tmpSuffix(): string {
  return `.tmp-${currentProcessId()}-${Date.now().toString(36)}${(tmpCounter++).toString(36)}`;
}

/** The shard counts of the data files already under `prefix` (its current checkpoint's, and any orphans'). */
export async function shardCountsOnDisk(fs: FileSystem, prefix: string): Promise<Set<number>> {
  const base = fs.basename(prefix);
  const counts = new Set<number>();
  for (const name of await fs.list(fs.dirname(prefix))) {
    const shards = dataFileShards(name, base);
    if (shards !== null) counts.add(shards);
  }
  return counts;
}

/** Removes temporary files left in `dir` by saves whose process died (a crash or a kill mid-save). */
export async function removeAbandonedTemporaries(fs: FileSystem, dir: string): Promise<void> {
  for (const name of await fs.list(dir)) {
    const m = TEMPORARY.exec(name);
    if (m && !processAlive(Number(m[1]))) await fs.remove(fs.join(dir, name));
  }
}

/** Removes the data files of the checkpoint `prefix`, except those named in `keep`. */
export async function removeDataFiles(
  fs: FileSystem,
  prefix: string,
  keep: ReadonlySet<string> = new Set(),
): Promise<void> {
  const base = fs.basename(prefix);
  for (const name of await fs.list(fs.dirname(prefix))) {
    if (dataFileShards(name, base) !== null && !keep.has(name)) await fs.remove(fs.join(fs.dirname(prefix), name));
  }
}

/** Writes a bundle's files in the crash-safe order described above. */
export async function writeBundleFiles(fs: FileSystem, prefix: string, bundle: EncodedBundle): Promise<void> {
  const dir = fs.dirname(prefix);
  await fs.mkdir(dir);
  const suffix = tmpSuffix();
  const numShards = bundle.shards.length;
  const dataFiles = bundle.shards.map((_, i) => dataFilename(prefix, i, numShards));
  const index = indexFilename(prefix);
  const placed: string[] = [];
  try {
    for (const [i, file] of dataFiles.entries())
      await fs.writeFile(file + suffix, at(bundle.shards, i, 'shards'), { durable: true });
    await fs.writeFile(index + suffix, bundle.index, { durable: true });
    for (const file of dataFiles) {
      await fs.rename(file + suffix, file);
      placed.push(file);
    }
    await fs.syncDirectory(dir);
    await fs.rename(index + suffix, index);
  } catch (err) {
    // The current index (if any) names none of these files: removing them leaves its checkpoint as it was.
    const written = [...dataFiles.map((f) => f + suffix), index + suffix, ...placed];
    await Promise.all(written.map((f) => fs.remove(f).catch(() => undefined)));
    throw err;
  }
  await fs.syncDirectory(dir);
  await removeDataFiles(fs, prefix, new Set(dataFiles.map((f) => fs.basename(f))));
}

export interface CheckpointStateToWrite {
  latest: string;
  all: string[];
  timestamps?: number[];
  lastPreserved?: number;
}

/** Writes the `checkpoint` state file atomically (temporary, flush, rename, flush the directory). */
export async function writeStateFile(fs: FileSystem, dir: string, state: CheckpointStateToWrite): Promise<void> {
  const text = formatCheckpointState({
    modelCheckpointPath: fs.relative(dir, state.latest),
    allModelCheckpointPaths: state.all.map((p) => fs.relative(dir, p)),
    allModelCheckpointTimestamps: state.timestamps ?? [],
    lastPreservedTimestamp: state.lastPreserved ?? 0,
  });
  const file = fs.join(dir, CHECKPOINT_STATE_FILENAME);
  const tmp = file + tmpSuffix();
  try {
    await fs.writeFile(tmp, new TextEncoder().encode(text), { durable: true });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.remove(tmp).catch(() => undefined);
    throw err;
  }
  await fs.syncDirectory(dir);
}
