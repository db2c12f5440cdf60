/**
 * The weights half of loading a `.keras` archive: restores `model.weights.h5` from the archive's bytes into a tfjs
 * model already built from the archive's config.json. It sits on top of the Keras home because it runs the
 * package's one restore (loadWeights) over an in-memory file.
 */
import { type LoadStatus, loadWeights, type RestoreOptions } from '../../checkpoint';
import { MemoryFileSystem } from '../../io';
import type { LayersModelLike } from '../../trackable';

/**
 * Restores the weights (and, for a compiled model, the optimizer state) stored in a `.keras` archive — or a
 * `.weights.h5`/`.h5` file — given as bytes. All or nothing, as loadWeights; `name` names the file in errors.
 */
export function loadKerasWeightsFromArchive(
  model: LayersModelLike,
  bytes: Uint8Array,
  name = 'model.keras',
  options: RestoreOptions = {},
): Promise<LoadStatus> {
  const path = /\.(keras|h5|hdf5)$/i.test(name) ? name : `${name}.keras`;
  const fs = new MemoryFileSystem({ [path.startsWith('/') ? path : `/${path}`]: bytes });
  return loadWeights(model, path.startsWith('/') ? path : `/${path}`, { ...options, fs });
}
