/**
 * The built-in adapters that make tfjs objects trackable. tfjs Variables are leaves (their value is the attribute
 * VARIABLE_VALUE); plain tensors are values, not trackables, like constants held by a tf.Module.
 */
import { registerTrackableAdapter, type TrackableAdapter } from '../graph';
import { isTfjsTensor, isTfjsVariable } from './tfjs_types';

export const tfjsVariableAdapter: TrackableAdapter = {
  name: 'tfjs Variable',
  matches: isTfjsVariable,
  children: () => [],
};

export const tfjsTensorAdapter: TrackableAdapter = {
  name: 'tfjs Tensor',
  matches: (obj) => isTfjsTensor(obj) && !isTfjsVariable(obj),
  children: () => null,
};

let registered = false;

/** Registers the built-in adapters once (the package entry point does this on load). */
export function registerBuiltinAdapters(): void {
  if (registered) return;
  registered = true;
  registerTrackableAdapter(tfjsTensorAdapter);
  registerTrackableAdapter(tfjsVariableAdapter);
}
