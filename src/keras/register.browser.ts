/**
 * Browser builds of register.ts. The Keras layers import tfjs statically, so they are loaded with `import()`: the
 * bundle puts them in a chunk of their own, and the package itself loads (and reads checkpoints) without tfjs.
 * Registration completes when that chunk has loaded, before any model the app fetches has arrived.
 */
let started: Promise<boolean> | null = null;

/** Starts registering the Keras layers; returns true (the outcome is `kerasLayersReady()`'s). */
export function registerKerasLayers(): boolean {
  started ??= import('./layers').then(
    (layers) => {
      layers.registerKerasLayers();
      return true;
    },
    () => false,
  );
  return true;
}

/** Resolves to whether the Keras layers were registered (false when tfjs is not available). */
export function kerasLayersReady(): Promise<boolean> {
  registerKerasLayers();
  return started!;
}

registerKerasLayers();
