/**
 * `loadKerasModel`: a tfjs LayersModel from any of the model files users have — a Keras 3 `model.to_json()`, a
 * `.keras` archive or its config.json, a Keras 2 / tf.keras JSON, or a tfjs model.json (with its weights when its
 * manifest lists them). Files are read through the package's FileSystem layer.
 */
import { CorruptCheckpointError, UnsupportedError } from '../errors';
import { loadKerasWeightsFromArchive } from './h5/archive_weights';
import { defaultFileSystem, type FileSystem } from '../io';
import { isLayersModel, type LayersModelLike, loadTfjsCore, loadTfjsLayers } from '../trackable';
import { setKerasOperations } from './trackables';
import { kerasLayersReady } from './register';
import { isZip, type KerasArchive, readKerasArchive } from './keras_archive';
import { isObject } from './keras_json';
import { registerKerasClasses } from './tfjs_classes';
import { kerasOperationOrder, kerasToTfjsTopology } from './topology';
import { requireTfjs } from './tfjs_runtime';

type LayersModel = import('@tensorflow/tfjs-layers').LayersModel;

/** Options of {@link loadKerasModel}. */
export interface LoadKerasModelOptions {
  /** Where paths are read from (default: the local file system under Node). */
  fs?: FileSystem;
  /**
   * Loads the weights file of a `.keras` archive (model.weights.h5, Keras's HDF5 layout) into the built model.
   * By default the package's own restore does it (all or nothing, like loadWeights).
   */
  archiveWeights?: (model: LayersModel, weightsH5: Uint8Array, archive: KerasArchive) => Promise<void> | void;
}

/** A model file's path, its bytes, or its parsed JSON. */
export type KerasModelSource = string | Uint8Array | object;

interface WeightsManifestGroup {
  paths: string[];
  weights: unknown[];
}

function parseJson(bytes: Uint8Array, file: string | undefined): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (err) {
    throw new CorruptCheckpointError(
      `${file ?? 'the model source'} is neither JSON nor a .keras archive: ${(err as Error).message}`,
      { file, cause: err },
    );
  }
}

/** Gives each functional model (the root and nested ones) Keras 3's operation order, for checkpoint names. */
function declareOperations(model: LayersModel, json: unknown): void {
  const byName = new Map<string, LayersModelLike>();
  const visit = (m: LayersModelLike): void => {
    byName.set(m.name, m);
    for (const l of m.layers) if (isLayersModel(l)) visit(l);
  };
  visit(model);
  for (const [name, operations] of kerasOperationOrder(json)) {
    const m = byName.get(name);
    if (m === undefined || m.getClassName() === 'Sequential') continue;
    const layers = new Map(m.layers.map((l) => [l.name, l] as const));
    setKerasOperations(
      m,
      operations.map((op) => layers.get(op) ?? {}),
    );
  }
}

/**
 * Builds the tfjs model described by `source`. Layers or arguments tfjs cannot represent fail before anything is
 * built, with one UnsupportedLayerError naming them all.
 *
 * @example
 * {@includeCode ../../examples/keras_model.ts#loadKerasModel}
 */
export async function loadKerasModel(
  source: KerasModelSource,
  options: LoadKerasModelOptions = {},
): Promise<LayersModel> {
  // Where tfjs loads only with import() (ES modules), it is loaded here, and the Keras layers registered with it.
  await Promise.all([loadTfjsCore(), loadTfjsLayers()]).catch(() => undefined);
  await kerasLayersReady();
  const tf = requireTfjs();
  registerKerasClasses();
  const fs = options.fs ?? (typeof source === 'string' ? defaultFileSystem() : undefined);
  const file = typeof source === 'string' ? source : undefined;
  const bytes =
    typeof source === 'string'
      ? await (fs ?? defaultFileSystem()).readFile(source)
      : source instanceof Uint8Array
        ? source
        : null;
  let archive: KerasArchive | null = null;
  let json: unknown;
  if (bytes !== null && isZip(bytes)) {
    archive = readKerasArchive(bytes, file);
    json = archive.config;
  } else json = bytes !== null ? parseJson(bytes, file) : source;

  const topology = kerasToTfjsTopology(json);
  let model: LayersModel;
  try {
    model = await tf.layers.models.modelFromJSON({ modelTopology: topology } as never);
  } catch (err) {
    // tfjs's own refusals (a class not registered, a config value its layers reject) as the package's error type.
    throw new UnsupportedError(
      `tfjs could not build ${file ?? 'the model'}: ${(err as Error).message.split('\n')[0]}`,
      { file, cause: err },
    );
  }
  declareOperations(model, json);

  const manifest =
    isObject(json) && Array.isArray(json['weightsManifest'])
      ? (json['weightsManifest'] as unknown as WeightsManifestGroup[])
      : [];
  if (manifest.length > 0 && fs !== undefined && file !== undefined) {
    // A tfjs model.json with weights: they sit next to it.
    const buffers = await Promise.all(
      manifest.flatMap((g) => g.paths).map((p) => fs.readFile(fs.join(fs.dirname(file), p))),
    );
    const all = new Uint8Array(buffers.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of buffers) {
      all.set(b, at);
      at += b.length;
    }
    model.loadWeights(tf.core.io.decodeWeights(all.buffer, manifest.flatMap((g) => g.weights) as never));
  }
  if (archive?.weights) {
    const load =
      options.archiveWeights ??
      ((m: LayersModel, bytes: Uint8Array) =>
        loadKerasWeightsFromArchive(m, bytes, 'model.weights.h5').then(() => undefined));
    await load(model, archive.weights, archive);
  }
  return model;
}
