import './tfjs_preload';

export { registerBuiltinAdapters, tfjsTensorAdapter, tfjsVariableAdapter } from './adapters';
export {
  type Finalizer,
  OBJECT_CONFIG_JSON,
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
export { toTfjsTensor } from './tfjs_tensor';
export { type TfjsDType, tfjsDTypeOf, type TfjsValues, toTfjsValues } from './tfjs_conversion';
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
