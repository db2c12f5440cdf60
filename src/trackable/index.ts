import { registerBuiltinAdapters } from './adapters';

registerBuiltinAdapters();

export { registerBuiltinAdapters, tfjsTensorAdapter, tfjsVariableAdapter } from './adapters';
export { isTfjsTensor, isTfjsVariable, type TfjsTensorLike, type TfjsVariableLike } from './tfjs_types';
export { toTfjsTensor } from './tfjs_tensor';
