import './tfjs_preload';

import { registerBuiltinAdapters } from './adapters';

registerBuiltinAdapters();

export { registerBuiltinAdapters, tfjsTensorAdapter, tfjsVariableAdapter } from './adapters';
export {
  type KerasNames,
  kerasLayerNameResolver,
  kerasLayers,
  kerasWeightName,
  layerAdapter,
  type LayerChildrenProvider,
  layersModelAdapter,
  registerLayerChildren,
  setKerasOperations,
} from './layers';
export { inferOptimizerVariables, optimizerAdapter, optimizerState, OptimizerState, setOptimizerVariables } from './optimizers';
export {
  type Finalizer,
  type PreparedWrite,
  type Restorable,
  restorableAttributes,
  restorablesOf,
  shapeMismatch,
  tensorFor,
  VARIABLE_VALUE,
  valueOf,
} from './restorable';
export {
  isLayer,
  isLayersModel,
  isLayerVariable,
  isOptimizer,
  isTfjsTensor,
  isTfjsVariable,
  type LayerLike,
  type LayersModelLike,
  type LayerVariableLike,
  type OptimizerLike,
  type TfjsTensorLike,
  type TfjsVariableLike,
} from './tfjs_types';
export { type KerasLayout, saveChildrenOf } from './save_layout';
export { toTfjsTensor } from './tfjs_tensor';
export { type InPlaceMemory, type InPlaceSupport, inPlaceSupport } from './in_place_target';
export {
  loadTfjsCore,
  loadTfjsLayers,
  setTfjsCore,
  setTfjsLayers,
  type TfjsCore,
  tfjsCore,
  tfjsCoreIfAvailable,
  type TfjsLayers,
  tfjsLayersIfAvailable,
  tryLoadTfjsCore,
} from './tfjs_module';
