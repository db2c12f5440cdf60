/**
 * tfjs for the commands that need a model (diff, convert, demo): tfjs-node when installed (native speed), else
 * the pure-JS @tensorflow/tfjs; and reading/writing models in tfjs's layers format (model.json + weight files).
 */
import { type FileSystem, InvalidArgumentError, loadKerasModel, NodeFileSystem } from '../index';

/** Files go through the package's file-system layer, like everything else. */
const files: FileSystem = new NodeFileSystem();

// tfjs's own type surface; the runtime module is whichever is installed.
type Tf = typeof import('@tensorflow/tfjs');

let tfModule: Tf | null = null;

export function loadTf(): Tf {
  if (tfModule) return tfModule;
  for (const name of ['@tensorflow/tfjs-node', '@tensorflow/tfjs']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      tfModule = require(name) as Tf;
      return tfModule;
    } catch {
      // try the next one
    }
  }
  throw new InvalidArgumentError('This command needs TensorFlow.js: npm install @tensorflow/tfjs (or @tensorflow/tfjs-node)');
}

/**
 * A LayersModel from any model file loadKerasModel reads: a Keras 3 model.to_json() or .keras archive, a Keras 2
 * JSON, or a tfjs model.json (its weights too when its manifest lists them).
 */
export async function loadModelJson(file: string): Promise<import('@tensorflow/tfjs').LayersModel> {
  loadTf();
  return (await loadKerasModel(file, { fs: files })) as unknown as import('@tensorflow/tfjs').LayersModel;
}

/** Saves a model as tfjs's layers format (model.json + weights.bin) that tf.loadLayersModel loads. */
export async function saveModelJson(model: import('@tensorflow/tfjs').LayersModel, dir: string): Promise<string[]> {
  const tf = loadTf();
  await files.mkdir(dir);
  const written: string[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const parts = data === undefined ? [] : Array.isArray(data) ? data : [data];
      const bin = Buffer.concat(parts.map((p) => Buffer.from(p as ArrayBuffer)));
      const manifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }];
      const json = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: 'tfjs-checkpoint',
        modelTopology: artifacts.modelTopology,
        weightsManifest: manifest,
      };
      await files.writeFile(files.join(dir, 'weights.bin'), new Uint8Array(bin.buffer, bin.byteOffset, bin.length));
      await files.writeFile(files.join(dir, 'model.json'), new TextEncoder().encode(JSON.stringify(json)));
      written.push(files.join(dir, 'model.json'), files.join(dir, 'weights.bin'));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bin.length } };
    }),
  );
  return written;
}
