import { resolveCheckpointPrefix } from '../bundle';
import { CheckpointReader } from '../graph';
import { defaultFileSystem } from '../io';
import { inferOptimizerVariables, isOptimizer, type LayersModelLike } from '../trackable';
import type { RestoreOptions } from './checkpoint';
import type { LoadStatus } from './load_status';
import { restoreWithReader } from './checkpoint';

/**
 * Keras's `model.load_weights(path)` for TensorFlow-format checkpoints (`save_weights`, `ModelCheckpoint`): the
 * model is the checkpoint's root and at least one value must match (`assertNontrivialMatch`). A compiled model's
 * optimizer state is restored too when the checkpoint has it.
 */
export async function loadWeights(model: LayersModelLike, path: string, options: RestoreOptions = {}): Promise<LoadStatus> {
  if (isOptimizer(model.optimizer)) inferOptimizerVariables(model.optimizer, model);
  const fs = options.fs ?? defaultFileSystem();
  const reader = await CheckpointReader.open(await resolveCheckpointPrefix(fs, path), { ...options, fs });
  let status: LoadStatus;
  try {
    status = await restoreWithReader(model, reader, path, options);
  } finally {
    await reader.close();
  }
  return status.scheduleWarnings().assertNontrivialMatch();
}
