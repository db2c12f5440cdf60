/**
 * What importing `tfjs-checkpoint/keras` switches on in the rest of the package (through ./entry_slot.ts): Keras
 * files wherever a checkpoint path is taken, Keras 3 JSON wherever `fromCheckpoint` takes a topology, and the Keras
 * classes tfjs lacks.
 */
import { setKerasSupport } from './entry_slot';
import { KerasWeightsSource } from './h5';
import { kerasLayersReady, registerKerasLayers } from './register';
import { registerKerasClasses } from './tfjs_classes';
import { kerasToTfjsTopology } from './topology';

let enabled = false;

/**
 * Enables the Keras support in the whole package. Importing `tfjs-checkpoint/keras` calls it; calling it again does
 * nothing. Exported for code whose bundler drops imports kept only for their effects.
 */
export function enableKerasFiles(): void {
  if (enabled) return;
  enabled = true;
  registerKerasClasses();
  registerKerasLayers();
  setKerasSupport({
    openFile: (path, options) => KerasWeightsSource.open(path, options),
    translateTopology: (topology) => kerasToTfjsTopology(topology),
    ready: kerasLayersReady,
  });
}
