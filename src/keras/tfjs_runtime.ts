/**
 * The installed tfjs (an optional peer dependency), found at run time so that the package still works without it.
 * Keras classes tfjs lacks are defined against this runtime, so they subclass the very `Layer` the user's tfjs uses.
 */
import { InvalidArgumentError } from '../errors';

export type TfCore = typeof import('@tensorflow/tfjs-core');
export type TfLayers = typeof import('@tensorflow/tfjs-layers');

export interface TfRuntime {
  core: TfCore;
  layers: TfLayers;
}

let runtime: TfRuntime | null | undefined;

/** The installed tfjs, or null when it is not installed. */
export function findTfjs(): TfRuntime | null {
  if (runtime !== undefined) return runtime;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    runtime = { core: require('@tensorflow/tfjs-core') as TfCore, layers: require('@tensorflow/tfjs-layers') as TfLayers };
  } catch {
    runtime = null;
  }
  return runtime;
}

/** The installed tfjs, or an error saying how to install it. */
export function requireTfjs(): TfRuntime {
  const tf = findTfjs();
  if (tf === null) throw new InvalidArgumentError('Building a Keras model needs TensorFlow.js: npm install @tensorflow/tfjs (or @tensorflow/tfjs-node)');
  return tf;
}
