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
  } catch (err) {
    // Only a missing tfjs means "no tfjs": any other failure while loading it is a real error.
    const e = err as { code?: unknown; message?: unknown };
    // (ES-module builds have no require: their bundler's stand-in throws "Dynamic require of … is not supported".)
    const absent = e?.code === 'MODULE_NOT_FOUND' || /Dynamic require of/.test(String(e?.message));
    if (!absent || typeof e.message !== 'string' || !/@tensorflow\/tfjs-(core|layers)/.test(e.message)) throw err;
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
