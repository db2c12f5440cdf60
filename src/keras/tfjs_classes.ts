/**
 * Registers the Keras classes tfjs lacks with the installed tfjs, so that `tf.loadLayersModel` and
 * `tf.models.modelFromJSON` build converted models. Runs when `tfjs-checkpoint/keras` is imported; a no-op without tfjs.
 */
import { registerActivations } from './activations';
import { registerGroupedConv } from './grouped_conv';
import { registerStatelessLayers } from './stateless_layers';
import { findTfjs } from './tfjs_runtime';

/**
 * Registers the activations, weightless layers and grouped convolution tfjs lacks with the tfjs found; false when
 * no tfjs is loaded. Importing `tfjs-checkpoint/keras` calls it.
 */
export function registerKerasClasses(): boolean {
  const tf = findTfjs();
  if (tf === null) return false;
  registerActivations(tf);
  registerStatelessLayers(tf);
  registerGroupedConv(tf);
  return true;
}
