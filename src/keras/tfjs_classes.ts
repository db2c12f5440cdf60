/**
 * Registers the Keras classes tfjs lacks with the installed tfjs, so that `tf.loadLayersModel` and
 * `tf.models.modelFromJSON` build converted models. Runs when the package is imported; a no-op without tfjs.
 */
import { registerActivations } from './activations';
import { registerGroupedConv } from './grouped_conv';
import { registerStatelessLayers } from './stateless_layers';
import { findTfjs } from './tfjs_runtime';

export function registerKerasClasses(): boolean {
  const tf = findTfjs();
  if (tf === null) return false;
  registerActivations(tf);
  registerStatelessLayers(tf);
  registerGroupedConv(tf);
  return true;
}
