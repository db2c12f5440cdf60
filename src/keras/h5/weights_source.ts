/**
 * Keras's weight files as value sources: `.weights.h5` (Keras 3), `.keras` archives (their `model.weights.h5`) and
 * legacy Keras 2 `.h5` files. The Keras entry installs them in the main entry's Keras slot (../entry_slot.ts), so
 * `Checkpoint.restore`, `loadWeights`, `compareWithCheckpoint` and the CLI take these paths like TF checkpoints.
 */
import { unzipSync } from 'fflate';

import type { TensorValue } from '../../bundle';
import { present } from '../../checked';
import { CheckpointError, CorruptCheckpointError, NotFoundError } from '../../errors';
import { type ObjectGraph, type OpenOptions, type ValueEntry, type ValueSource } from '../../graph';
import { defaultFileSystem } from '../../io';
import { datasetAt, type H5Dataset, openHdf5 } from './hdf5_file';
import { kerasLiveView } from './live_views';
import { type KerasWeightsGraph, type KerasWeightsLayout, kerasWeightsGraph } from './weights_graph';

/** The weights member of a `.keras` archive. */
export const KERAS_ARCHIVE_WEIGHTS = 'model.weights.h5';
const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];
/** Deflate expands at most ~1032:1; a larger claimed size is a lie (or a zip bomb). */
const MAX_DEFLATE_RATIO = 1100;

/**
 * The values of a Keras weights file (`.weights.h5`, a `.keras` archive, a legacy `.h5`) with an object graph over
 * them, so that every API taking a checkpoint path takes these files too.
 */
export class KerasWeightsSource implements ValueSource {
  private constructor(
    readonly prefix: string,
    readonly layout: KerasWeightsLayout,
    private readonly graph: ObjectGraph,
    private readonly datasets: ReadonlyMap<string, H5Dataset>,
    private readonly layerNames: KerasWeightsGraph['layerNames'],
  ) {}

  /** Reads an HDF5 weights file, or a `.keras` archive's weights, from its bytes; `name` is used in errors. */
  static fromBytes(bytes: Uint8Array, name: string): KerasWeightsSource {
    const h5 = isZip(bytes) ? archiveWeights(bytes, name) : bytes;
    const file = h5 === bytes ? name : `${name}/${KERAS_ARCHIVE_WEIGHTS}`;
    const root = openHdf5(h5, file);
    const { layout, graph, keys, layerNames } = kerasWeightsGraph(root, file);
    const datasets = new Map(
      keys.map((k): [string, H5Dataset] => [k, present(datasetAt(root, k), `dataset ${k} of the weights graph`)]),
    );
    return new KerasWeightsSource(file, layout, graph, datasets, layerNames);
  }

  /** Reads the file at `path` (whole: HDF5 metadata is scattered through it) and checks its structure. */
  static async open(path: string, options: OpenOptions = {}): Promise<KerasWeightsSource> {
    const fs = options.fs ?? defaultFileSystem();
    const source = await fs.open(path);
    let bytes: Uint8Array;
    try {
      bytes = await source.read(0, source.size);
    } finally {
      await source.close();
    }
    return KerasWeightsSource.fromBytes(bytes, path);
  }

  keys(): string[] {
    return [...this.datasets.keys()];
  }

  has(key: string): boolean {
    return this.datasets.has(key);
  }

  attributeKeys(checkpointKey: string): string[] {
    return this.has(checkpointKey) ? [checkpointKey] : [];
  }

  private dataset(key: string): H5Dataset {
    const d = this.datasets.get(key);
    if (d === undefined) throw new NotFoundError(`Key ${key} not found in ${this.prefix}`, { file: this.prefix, key });
    return d;
  }

  entry(key: string): ValueEntry {
    const d = this.dataset(key);
    return { dtype: d.dtype, shape: d.shape, size: d.byteSize };
  }

  getTensor(key: string): Promise<TensorValue> {
    try {
      return Promise.resolve(this.dataset(key).read());
    } catch (err) {
      return Promise.reject(
        err instanceof Error
          ? err
          : new CorruptCheckpointError(`${this.prefix}: ${String(err)}`, { file: this.prefix, key }),
      );
    }
  }

  async getTensors(keys: readonly string[], each: (index: number, value: TensorValue) => void): Promise<void> {
    for (const [i, key] of keys.entries()) each(i, await this.getTensor(key));
  }

  objectGraph(): Promise<ObjectGraph> {
    return Promise.resolve(this.graph);
  }

  liveRoot(obj: object): object {
    return kerasLiveView(obj, this.layout, this.layerNames);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function isZip(bytes: Uint8Array): boolean {
  return ZIP_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** The bytes of `model.weights.h5` in a `.keras` archive, its claimed size checked before it is inflated. */
function archiveWeights(bytes: Uint8Array, file: string): Uint8Array {
  let found: Uint8Array | undefined;
  try {
    const files = unzipSync(bytes, {
      filter: (f) => {
        if (f.name !== KERAS_ARCHIVE_WEIGHTS) return false;
        if (f.originalSize > Math.max(bytes.length, f.size) * MAX_DEFLATE_RATIO || f.originalSize > 2 ** 32) {
          throw new CorruptCheckpointError(
            `${file}: ${f.name} claims ${f.originalSize} bytes inflated from ${f.size}`,
            { file, key: f.name },
          );
        }
        return true;
      },
    });
    found = files[KERAS_ARCHIVE_WEIGHTS];
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CorruptCheckpointError(
      `${file}: not a readable .keras (zip) archive: ${err instanceof Error ? err.message : String(err)}`,
      { file, cause: err },
    );
  }
  if (found === undefined) {
    throw new NotFoundError(
      `${file}: the archive has no ${KERAS_ARCHIVE_WEIGHTS} (a sharded or weightless .keras save?)`,
      { file, key: KERAS_ARCHIVE_WEIGHTS },
    );
  }
  return found;
}
