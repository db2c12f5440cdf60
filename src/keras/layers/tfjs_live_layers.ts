/**
 * ES-module builds only: scripts/build-esm.js resolves `@tensorflow/tfjs-layers` to this module for src/keras/layers, so the Keras
 * layers chunk has no static import of tfjs and the package bundles and loads without tfjs. Each export is a live
 * binding to the tfjs module the app loaded, set by bindTfjsLayers() (register.esm.ts) before the layers are imported.
 * Names: the members of tfjs that src/keras/layers uses.
 */
export let LayerVariable: unknown;
export let SymbolicTensor: unknown;
export let initializers: unknown;
export let layers: unknown;

export function bindTfjsLayers(tf: Record<string, unknown>): void {
  LayerVariable = tf['LayerVariable'];
  SymbolicTensor = tf['SymbolicTensor'];
  initializers = tf['initializers'];
  layers = tf['layers'];
}
