/**
 * Finding a checkpoint's prefix from what a user passes, as TensorFlow does: a prefix (`dir/ckpt-3`), a directory
 * holding a `checkpoint` state file (→ its latest checkpoint), or a SavedModel directory (→ `variables/variables`).
 * Paths of one of the bundle's own files (`ckpt-3.index`) are accepted as a convenience.
 */
import { IOError, NotFoundError } from '../errors';
import type { FileSystem } from '../io';
import { CHECKPOINT_STATE_FILENAME, type CheckpointState, parseCheckpointState } from './checkpoint_state';
import { indexFilename, prefixOfBundleFile } from './naming';

/** Reads a directory's state file; null when there is none (errors in it propagate). */
export async function readCheckpointState(
  fs: FileSystem,
  dir: string,
  filename = CHECKPOINT_STATE_FILENAME,
): Promise<CheckpointState | null> {
  const file = fs.join(dir, filename);
  const info = await fs.stat(file);
  if (info === null || !info.isFile) return null;
  const text = new TextDecoder('utf-8').decode(await fs.readFile(file));
  const state = parseCheckpointState(text, file);
  const absolute = (p: string): string => (fs.isAbsolute(p) ? p : fs.join(dir, p));
  // TensorFlow joins relative paths onto the directory when it reads the file.
  return {
    ...state,
    modelCheckpointPath: state.modelCheckpointPath === '' ? '' : absolute(state.modelCheckpointPath),
    allModelCheckpointPaths: state.allModelCheckpointPaths.map(absolute),
  };
}

/**
 * The prefix of the newest checkpoint recorded in `dir`'s state file, or null when there is no state file or the
 * checkpoint it names does not exist (TensorFlow's `tf.train.latest_checkpoint`).
 */
export async function latestCheckpointIn(
  fs: FileSystem,
  dir: string,
  filename = CHECKPOINT_STATE_FILENAME,
): Promise<string | null> {
  let state: CheckpointState | null;
  try {
    state = await readCheckpointState(fs, dir, filename);
  } catch (err) {
    // TensorFlow logs and returns None for an unparsable state file; a failed transfer (a network error, an
    // aborted or timed-out request) is not an answer about the checkpoint, so it propagates.
    if (err instanceof IOError) throw err;
    return null;
  }
  if (state === null || state.modelCheckpointPath === '') return null;
  const prefix = state.modelCheckpointPath;
  if ((await fs.stat(indexFilename(prefix)))?.isFile) return prefix;
  return null;
}

const SAVED_MODEL_FILES = ['saved_model.pb', 'saved_model.pbtxt'];

/** The bundle prefix that `path` designates; fails with NotFoundError, naming the path, when there is none. */
export async function resolveCheckpointPrefix(fs: FileSystem, path: string): Promise<string> {
  if ((await fs.stat(indexFilename(path)))?.isFile) return path;
  const info = await fs.stat(path);
  if (info?.isDirectory) {
    const variables = fs.join(path, 'variables', 'variables');
    const isSavedModel = (await Promise.all(SAVED_MODEL_FILES.map((f) => fs.stat(fs.join(path, f))))).some(
      (s) => s?.isFile,
    );
    if (isSavedModel || (await fs.stat(indexFilename(variables)))?.isFile) return variables;
    const latest = await latestCheckpointIn(fs, path);
    if (latest !== null) return latest;
    throw new NotFoundError(`Couldn't find 'checkpoint' file or checkpoints in given directory ${path}`, {
      file: path,
    });
  }
  const prefix = prefixOfBundleFile(path);
  if (prefix !== null && info?.isFile && (await fs.stat(indexFilename(prefix)))?.isFile) return prefix;
  throw new NotFoundError(
    `Unsuccessful TensorSliceReader constructor: Failed to find any matching files for ${path}` +
      (info?.isFile ? ' (for a V2 checkpoint, pass the prefix: the path without .index or .data-…)' : ''),
    { file: path },
  );
}
