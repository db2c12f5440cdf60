import { latestCheckpointIn } from '../bundle';
import { defaultFileSystem, type FileSystem } from '../io';

/**
 * The prefix of the newest checkpoint in `dir` according to its `checkpoint` state file, or null when there is
 * none or it names a checkpoint that does not exist (TensorFlow's `tf.train.latest_checkpoint`).
 */
export function latestCheckpoint(
  dir: string,
  options: { fs?: FileSystem; latestFilename?: string } = {},
): Promise<string | null> {
  return latestCheckpointIn(options.fs ?? defaultFileSystem(), dir, options.latestFilename);
}
