/**
 * Keras models into tfjs: topology translation (Keras 3 and Keras 2 JSON), the classes tfjs lacks, model loading.
 * Importing this module registers the classes with the installed tfjs.
 */
import { registerKerasClasses } from './tfjs_classes';

registerKerasClasses();

export { type KerasGeneration, tfjsActivationName } from './activations';
export { isZip, type KerasArchive, readKerasArchive } from './keras_archive';
export { type KerasModelSource, loadKerasModel, type LoadKerasModelOptions } from './load_model';
export { kerasLayersReady, registerKerasLayers } from './register';
export { registerKerasClasses } from './tfjs_classes';
export { kerasOperationOrder, kerasToTfjsTopology, type TfjsTopology } from './topology';
