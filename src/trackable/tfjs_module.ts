/**
 * The one door to `@tensorflow/tfjs-core`. Reading, inspecting and viewing checkpoints never need tfjs, so no
 * module of the package imports it statically: the functions that build or read tfjs tensors ask here, and it is
 * loaded the first time one of them runs. That keeps `tfjs-checkpoint` loadable (and bundlable) without tfjs.
 *
 * Synchronous callers use `tfjsCore()`, which `require`s the package where `require` exists (Node, CommonJS
 * bundles, esbuild and webpack resolve it at bundle time). Async entry points (restore, save) first await
 * `loadTfjsCore()`, which also works where only `import()` does (ES modules in Node and in every bundler).
 */
import type * as tfcTypes from '@tensorflow/tfjs-core';

import { UnsupportedError } from '../errors';

/** The parts of tfjs-core the package calls. */
export type TfjsCore = Pick<
  typeof tfcTypes,
  'complex' | 'dispose' | 'engine' | 'imag' | 'mul' | 'real' | 'scalar' | 'tensor' | 'tidy' | 'zeros'
>;

let core: TfjsCore | null = null;

function missing(cause: unknown): UnsupportedError {
  return new UnsupportedError(
    'This operation needs TensorFlow.js: install @tensorflow/tfjs (or @tensorflow/tfjs-core) next to tfjs-checkpoint, ' +
      'or call setTfjsCore(tf) with the tfjs module your app uses',
    { cause },
  );
}

/** Uses `tf` (e.g. the global of a tf.min.js script tag, or the app's own import) instead of loading tfjs-core. */
export function setTfjsCore(tf: TfjsCore): void {
  core = tf;
}

/** tfjs-core, loaded synchronously on first use; fails with UnsupportedError when it cannot be loaded. */
export function tfjsCore(): TfjsCore {
  if (core !== null) return core;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    core = require('@tensorflow/tfjs-core') as TfjsCore;
  } catch (err) {
    throw missing(err);
  }
  return core;
}

/** Loads tfjs-core when it can, for callers that may not need it: a later `tfjsCore()` reports its absence. */
export async function tryLoadTfjsCore(): Promise<void> {
  await loadTfjsCore().catch(() => undefined);
}

/** The parts of tfjs-layers the package calls (building a model from a topology). */
export interface TfjsLayers {
  models: { modelFromJSON(config: { modelTopology: object }): Promise<unknown> };
}

let layers: TfjsLayers | null = null;

/** Uses `tfl` (e.g. the `tf` namespace of @tensorflow/tfjs) instead of loading tfjs-layers. */
export function setTfjsLayers(tfl: TfjsLayers): void {
  layers = tfl;
}

/** tfjs-layers, loaded on first use; fails with UnsupportedError when it cannot be loaded. */
export async function loadTfjsLayers(): Promise<TfjsLayers> {
  if (layers !== null) return layers;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const required = require('@tensorflow/tfjs-layers') as TfjsLayers;
    layers = required;
    return required;
  } catch {
    let loaded: TfjsLayers;
    try {
      loaded = (await import('@tensorflow/tfjs-layers')) as unknown as TfjsLayers;
    } catch (err) {
      throw missing(err);
    }
    layers ??= loaded;
    return layers;
  }
}

/** tfjs-core, loaded with `import()` when `require` cannot load it; fails with UnsupportedError when absent. */
export async function loadTfjsCore(): Promise<TfjsCore> {
  if (core !== null) return core;
  try {
    return tfjsCore();
  } catch {
    let loaded: TfjsCore;
    try {
      loaded = await import('@tensorflow/tfjs-core');
    } catch (err) {
      throw missing(err);
    }
    // A module handed over with setTfjsCore while this import ran wins: it is the app's own.
    core ??= loaded;
    return core;
  }
}

/** tfjs-core if it is loaded or loads synchronously (require), else null: for code that works without tfjs. */
export function tfjsCoreIfAvailable(): TfjsCore | null {
  try {
    return tfjsCore();
  } catch {
    return null;
  }
}

/** tfjs-layers if it is loaded or loads synchronously (require), else null. */
export function tfjsLayersIfAvailable(): TfjsLayers | null {
  if (layers !== null) return layers;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const required = require('@tensorflow/tfjs-layers') as TfjsLayers;
    layers = required;
    return required;
  } catch {
    return null;
  }
  return layers;
}
