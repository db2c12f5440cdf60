/**
 * The generic tfjs adapters: core Variables and layer weights are leaves (their value is the attribute VARIABLE_VALUE); plain
 * tensors are values, not trackables (like constants held by a tf.Module); the package's own value holders are
 * leaves. Framework adapters (src/keras/trackables: layers, models, optimizers) are registered after these.
 */
import { NO_CHILDREN, registerTrackableAdapter, type TrackableAdapter } from '../graph';
import { restorableAttributes } from './restorable';
import { isLayerVariable, isTfjsTensor, isTfjsVariable } from './tfjs_types';

export const tfjsVariableAdapter: TrackableAdapter = {
  name: 'tfjs Variable',
  matches: (obj) => isTfjsVariable(obj) || isLayerVariable(obj),
  children: () => NO_CHILDREN,
};

/** The package's own value holders (save counter, optimizer fields and slots) are leaves like variables. */
export const restorableLeafAdapter: TrackableAdapter = {
  name: 'restorable value',
  matches: (obj) => typeof (obj as { [restorableAttributes]?: unknown })[restorableAttributes] === 'function',
  children: () => NO_CHILDREN,
};

export const tfjsTensorAdapter: TrackableAdapter = {
  name: 'tfjs Tensor',
  matches: (obj) => isTfjsTensor(obj) && !isTfjsVariable(obj),
  children: () => null,
};

let registered = false;

/** Registers the generic adapters once (installDefaultAdapters in src/default_adapters.ts calls this). */
export function registerBuiltinAdapters(): void {
  if (registered) return;
  registered = true;
  // Later registrations take precedence: the most specific kinds go last.
  for (const adapter of [restorableLeafAdapter, tfjsTensorAdapter, tfjsVariableAdapter])
    registerTrackableAdapter(adapter);
}
