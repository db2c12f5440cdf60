/**
 * TensorFlow.js integration: a TF checkpoint as a `tf.io.IOHandler`, so that
 * `tf.loadLayersModel(fromCheckpoint(urlOrFiles, { topology }))` builds the model from a topology and takes its
 * weights from the checkpoint, matched the way `restore` matches them (Keras object paths, not weight names).
 */
import { Checkpoint, loadWeights, type RestoreOptions } from '../checkpoint';
import { InvalidArgumentError, NotFoundError } from '../errors';
import { CheckpointView } from '../graph';
import { BlobFileSystem, type FileLike, type FileSystem, HttpFileSystem, type HttpFileSystemOptions } from '../io';
import { kerasEntryHint, tfjsTopologyOf } from '../keras/entry_slot';
import { type LayersModelLike, loadTfjsLayers } from '../trackable';

/**
 * Turns a topology that is not a tfjs one into a tfjs `modelTopology`, or returns null when it does not recognise it.
 * (Keras 3 JSON is translated by the `tfjs-checkpoint/keras` entry, through src/keras/entry_slot.ts.)
 */
export type TopologyTranslator = (topology: object) => object | null;

const translators: TopologyTranslator[] = [];

/** Adds a {@link TopologyTranslator} that {@link fromCheckpoint} tries on topologies it does not know. */
export function registerTopologyTranslator(translate: TopologyTranslator): void {
  translators.push(translate);
}

/**
 * A tfjs `model.json` (with `modelTopology`), a bare `modelTopology`, a Keras 3 `model.to_json()` or Keras 2 JSON, a
 * topology a registered translator knows, or a URL of one of these.
 */
export type TopologySource = string | object;

/** Options of {@link fromCheckpoint}: the topology, and where the model sits in the checkpoint. */
export interface FromCheckpointOptions extends RestoreOptions {
  /** The model's architecture. */
  topology: TopologySource;
  /** Options of the HttpFileSystem made for a URL (headers, timeouts, progress, …). */
  http?: HttpFileSystemOptions;
  /**
   * Where the model sits in the checkpoint: `'root'` (Keras `save_weights` / ModelCheckpoint) or the name of a
   * child of the root (`tf.train.Checkpoint(model=...)` → `'model'`). By default a root child named `model` is
   * used when there is one, else the root.
   */
  modelPath?: string;
}

/** What `tf.io.IOHandler.load` resolves to (the fields the package sets). */
export interface ModelArtifactsLike {
  modelTopology: object;
  format: string;
  generatedBy: string;
  convertedBy: null;
  weightSpecs: Array<{ name: string; shape: number[]; dtype: 'float32' | 'int32' | 'bool' }>;
  weightData: ArrayBuffer;
}

/** A tfjs-layers LayersModel, as the package uses it here. */
type BuiltModel = LayersModelLike & {
  readonly weights: ReadonlyArray<{
    readonly originalName?: string;
    readonly name: string;
    readonly shape: ReadonlyArray<number | null>;
    readonly dtype: string;
    read(): { data(): Promise<Float32Array | Int32Array | Uint8Array> };
  }>;
  dispose(): unknown;
};

/** The file system and checkpoint path for what the caller gave. */
function locate(
  source: string | ArrayLike<FileLike> | Iterable<FileLike> | { fs: FileSystem; path: string },
  http?: HttpFileSystemOptions,
): { fs: FileSystem; path: string } {
  if (typeof source === 'string') return { fs: new HttpFileSystem('', http), path: source };
  if ('fs' in source && 'path' in source) return source;
  const fsys = new BlobFileSystem(source as ArrayLike<FileLike>);
  const paths = fsys.paths();
  const state = paths.filter((p) => p === 'checkpoint' || p.endsWith('/checkpoint'));
  const indexes = paths.filter((p) => p.endsWith('.index'));
  const [index, ...otherIndexes] = indexes;
  if (index !== undefined && otherIndexes.length === 0) return { fs: fsys, path: index.slice(0, -'.index'.length) };
  const [stateFile, ...otherStateFiles] = state;
  if (stateFile !== undefined && otherStateFiles.length === 0) return { fs: fsys, path: fsys.dirname(stateFile) };
  throw new NotFoundError(
    indexes.length === 0
      ? 'None of the files given is a checkpoint index (.index)'
      : `The files given hold ${indexes.length} checkpoints and no single state file: pass { fs, path } to choose one`,
  );
}

async function topologyOf(source: TopologySource, http?: HttpFileSystemOptions): Promise<object> {
  let json: unknown = source;
  if (typeof source === 'string') {
    const fsys = new HttpFileSystem('', http);
    const text = new TextDecoder().decode(await fsys.readFile(source));
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new InvalidArgumentError(`${source} is not JSON: ${(err as Error).message}`, { file: source, cause: err });
    }
  }
  if (typeof json !== 'object' || json === null)
    throw new InvalidArgumentError('topology must be a model.json object or its URL');
  const withTopology = json as { modelTopology?: unknown };
  const topology =
    typeof withTopology.modelTopology === 'object' && withTopology.modelTopology !== null
      ? withTopology.modelTopology
      : json;
  for (const translate of translators) {
    const translated = translate(topology);
    if (translated !== null) return translated;
  }
  // Keras 3's model.to_json() / config.json, translated by the Keras entry (tfjs reads Keras 2 and its own topologies
  // as they are).
  return tfjsTopologyOf(topology);
}

/** Bytes of a typed array, as tfjs lays weights out in `weightData`. */
function bytesOf(values: Float32Array | Int32Array | Uint8Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * A `tf.io.IOHandler` whose `load()` builds the model of `options.topology`, restores it from the checkpoint at
 * `source` (a URL or path over HTTP, the File objects of a picked folder, or `{ fs, path }`) and hands tfjs the
 * topology and the restored weights. Restore failures reject `load()` (and so `tf.loadLayersModel`).
 *
 * @example
 * {@includeCode ../../examples/browser_files.ts#fromCheckpoint}
 */
export function fromCheckpoint(
  source: string | ArrayLike<FileLike> | Iterable<FileLike> | { fs: FileSystem; path: string },
  options: FromCheckpointOptions,
): { load(): Promise<ModelArtifactsLike> } {
  return {
    load: async () => {
      const { fs, path } = locate(source, options.http);
      const [tfl, modelTopology] = await Promise.all([loadTfjsLayers(), topologyOf(options.topology, options.http)]);
      let model: BuiltModel;
      try {
        model = (await tfl.models.modelFromJSON({ modelTopology })) as BuiltModel;
      } catch (err) {
        const message = (err as Error).message;
        const hint = /unknown (layer|activation|initializer|regularizer|constraint)/i.test(message)
          ? kerasEntryHint()
          : '';
        throw new InvalidArgumentError(`Cannot build a tfjs model from this topology: ${message}${hint}`, {
          cause: err,
        });
      }
      try {
        const restore: RestoreOptions = { ...options, fs };
        let where = options.modelPath;
        if (where === undefined) {
          const view = await CheckpointView.open(path, restore);
          where = view.children(0).has('model') ? 'model' : 'root';
        }
        if (where === 'root') await loadWeights(model, path, restore);
        else
          (await new Checkpoint({ [where]: model }).restore(path, restore))
            .expectPartial()
            .assertExistingObjectsMatched();
        const parts = await Promise.all(
          model.weights.map(async (w) =>
            bytesOf(await (w.read() as unknown as { data(): Promise<Float32Array | Int32Array | Uint8Array> }).data()),
          ),
        );
        const weightData = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        parts.reduce((at, p) => (weightData.set(p, at), at + p.length), 0);
        return {
          modelTopology,
          format: 'layers-model',
          generatedBy: 'tfjs-checkpoint',
          convertedBy: null,
          weightSpecs: model.weights.map((w) => ({
            name: w.originalName,
            shape: w.shape.map((d) => d ?? 0),
            dtype: w.dtype as 'float32',
          })),
          weightData: weightData.buffer,
        };
      } finally {
        model.dispose();
      }
    },
  };
}
