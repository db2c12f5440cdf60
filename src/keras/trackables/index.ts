/**
 * The Keras adapters for restore and save (names, optimizers, value checks). They sit in the main entry, not in
 * the Keras model-loading entry: a restore into a tf.LayersModel needs them with only the package imported. They
 * import nothing of Keras's files or topology.
 */
import { registerTrackableAdapter } from '../../graph';
import { kerasLayerAdapter, kerasLayerVariableAdapter, kerasModelAdapter, kerasOptimizerAdapter } from './adapters';

let registered = false;

/**
 * Registers the Keras adapters once (installDefaultAdapters in src/default_adapters.ts calls this). They take
 * precedence over the generic tfjs adapters registered before them.
 */
export function registerKerasAdapters(): void {
  if (registered) return;
  registered = true;
  for (const adapter of [kerasLayerVariableAdapter, kerasOptimizerAdapter, kerasLayerAdapter, kerasModelAdapter])
    registerTrackableAdapter(adapter);
}

export { kerasLayerAdapter, kerasLayerVariableAdapter, kerasModelAdapter, kerasOptimizerAdapter } from './adapters';
export {
  type KerasNames,
  kerasLayerNameResolver,
  kerasLayers,
  kerasWeightName,
  type LayerChildrenProvider,
  registerLayerChildren,
  setKerasOperations,
} from './naming';
export { inferOptimizerVariables, optimizerState, OptimizerState, setOptimizerVariables } from './optimizers';
export { type KerasLayout } from './save_layout';
