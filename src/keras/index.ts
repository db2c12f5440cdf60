/**
 * `tfjs-checkpoint/keras`: Keras models and files for tfjs. Topology translation (Keras 3 and Keras 2 JSON), the
 * classes tfjs lacks, `loadKerasModel`, `.keras` archives and Keras's HDF5 weight files (`.weights.h5`, `.h5`).
 * Importing this entry enables them in the whole package (`enableKerasFiles`): `Checkpoint.restore`, `loadWeights`,
 * `CheckpointView.open` and `compareWithCheckpoint` then take Keras files, and `fromCheckpoint` Keras 3 JSON. The
 * main entry stays small for apps that only restore TensorFlow checkpoints into tfjs models.
 */
import { installDefaultAdapters } from '../default_adapters';
import { enableKerasFiles } from './enable';

// An app may import this entry alone: the adapters a restore needs are installed here too (installing is idempotent).
installDefaultAdapters();
enableKerasFiles();

export { type KerasGeneration, tfjsActivationName } from './activations';
export { enableKerasFiles } from './enable';
export { type KerasWeightsLayout, KerasWeightsSource, loadKerasWeightsFromArchive } from './h5';
export { isZip, type KerasArchive, readKerasArchive } from './keras_archive';
export { type KerasModelSource, loadKerasModel, type LoadKerasModelOptions } from './load_model';
export { kerasLayersReady, registerKerasLayers } from './register';
export { registerKerasClasses } from './tfjs_classes';
export { kerasOperationOrder, kerasToTfjsTopology, type TfjsTopology } from './topology';
