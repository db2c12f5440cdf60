/**
 * Loads and registers the Keras layers (src/keras/layers) when tfjs-layers is installed. They are loaded here on
 * demand, not imported, because the package's reading APIs must keep working without tfjs-layers.
 */

function isMissingTfjs(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown };
  return (
    e.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && /@tensorflow\/tfjs-(core|layers)/.test(e.message)
  );
}

/**
 * Registers KerasGRU, KerasGRUCell, Normalization, EinsumDense, MultiHeadAttention and LayerScale with
 * tf.serialization (the package does this when imported). Returns false when tfjs-layers is not installed (or
 * there is no CommonJS `require` to load it with).
 */
export function registerKerasLayers(): boolean {
  // An ES-module build without a CommonJS `require` registers through src/keras/layers directly.
  if (typeof require !== 'function') return false;
  let layers: { registerKerasLayers(): void };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    layers = require('./layers') as { registerKerasLayers(): void };
  } catch (err) {
    if (isMissingTfjs(err)) return false;
    throw err;
  }
  layers.registerKerasLayers();
  return true;
}

// Importing the package registers them, so tf.loadLayersModel finds them after `import 'tfjs-checkpoint'`.
registerKerasLayers();

/** Resolves to whether the Keras layers are registered (browser builds load them asynchronously). */
export function kerasLayersReady(): Promise<boolean> {
  return Promise.resolve(registerKerasLayers());
}
