import { withValueSource } from '../graph';
import { type LayersModelLike } from '../trackable';
import { type RestoreOptions, restoreWithReader } from './checkpoint';
import type { LoadStatus } from './load_status';

/**
 * Keras's `model.load_weights(path)` for TensorFlow-format checkpoints (`save_weights`, `ModelCheckpoint`): the
 * model is the checkpoint's root and at least one value must match (`assertNontrivialMatch`). A compiled model's
 * optimizer state is restored too when the checkpoint has it. Paths a registered opener claims (see
 * registerValueSourceOpener) are read by it and restored the same way.
 *
 * @example
 * {@includeCode ../../examples/keras_weights.ts#loadWeights}
 */
export async function loadWeights(
  model: LayersModelLike,
  path: string,
  options: RestoreOptions = {},
): Promise<LoadStatus> {
  // A compiled model's adapter pairs its optimizer with its weights when it lists its children.
  const status = await withValueSource(path, options, (reader) => restoreWithReader(model, reader, path, options));
  return status.scheduleWarnings().assertNontrivialMatch();
}
