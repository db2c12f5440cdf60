/**
 * ES-module builds of register.ts (scripts/build-esm.js swaps it in). The Keras layers subclass tfjs-layers' classes,
 * so they can only be defined once tfjs is loaded: tfjs is loaded with import(), bound into the layers' view of it
 * (layers/tfjs_live_*.ts), and then the layers are imported, in a chunk of their own. The package itself loads, and
 * reads checkpoints, without tfjs; registration completes before any model the app fetches has arrived.
 */
import { loadTfjsCore, loadTfjsLayers } from '../trackable';
import { bindTfjsCore } from './layers/tfjs_live_core';
import { bindTfjsLayers } from './layers/tfjs_live_layers';
import { registerKerasClasses } from './tfjs_classes';

let started: Promise<boolean> | null = null;

async function register(): Promise<boolean> {
  const [core, layers] = await Promise.all([loadTfjsCore(), loadTfjsLayers()]);
  bindTfjsCore(core);
  bindTfjsLayers(layers as unknown as Record<string, unknown>);
  (await import('./layers')).registerKerasLayers();
  registerKerasClasses();
  return true;
}

/** Starts registering the Keras layers; returns true (whether it succeeded is `kerasLayersReady()`'s answer). */
export function registerKerasLayers(): boolean {
  started ??= register().catch(() => false);
  return true;
}

/** Resolves to whether the Keras layers were registered (false when tfjs is not available). */
export function kerasLayersReady(): Promise<boolean> {
  return (started ??= register().catch(() => false));
}

registerKerasLayers();
