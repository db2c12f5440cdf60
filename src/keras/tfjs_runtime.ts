/**
 * The installed tfjs (an optional peer dependency), found at run time so that the package still works without it.
 * Keras classes tfjs lacks are defined against this runtime, so they subclass the very `Layer` the user's tfjs uses.
 */
import { InvalidArgumentError } from '../errors';
import { tfjsCoreIfAvailable, tfjsLayersIfAvailable } from '../trackable';

export type TfCore = typeof import('@tensorflow/tfjs-core');
export type TfLayers = typeof import('@tensorflow/tfjs-layers');

export interface TfRuntime {
  core: TfCore;
  layers: TfLayers;
}

/**
 * The installed tfjs, or null when it is not installed (or, in ES-module builds, not loaded yet: loadKerasModel
 * and register.esm.ts load it first). Found through the package's one door to tfjs, src/trackable/tfjs_module.ts.
 */
export function findTfjs(): TfRuntime | null {
  const core = tfjsCoreIfAvailable();
  const layers = tfjsLayersIfAvailable();
  return core === null || layers === null
    ? null
    : { core: core as unknown as TfCore, layers: layers as unknown as TfLayers };
}

/** The installed tfjs, or an error saying how to install it. */
export function requireTfjs(): TfRuntime {
  const tf = findTfjs();
  if (tf === null)
    throw new InvalidArgumentError(
      'Building a Keras model needs TensorFlow.js: npm install @tensorflow/tfjs (or @tensorflow/tfjs-node)',
    );
  return tf;
}
