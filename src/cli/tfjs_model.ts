/**
 * tfjs for the commands that need a model (diff, convert, demo): tfjs-node when installed (native speed), else
 * the pure-JS @tensorflow/tfjs; and reading/writing models in tfjs's layers format (model.json + weight files).
 */
import { type FileSystem, InvalidArgumentError, NodeFileSystem } from '../index';
import { loadKerasModel } from '../keras';

/** Files go through the package's file-system layer, like everything else. */
const files: FileSystem = new NodeFileSystem();

// tfjs's own type surface; the runtime module is whichever is installed.
type Tf = typeof import('@tensorflow/tfjs');

let tfModule: Tf | null = null;
let loadedName = '';
/** Why tfjs-node was not used (not installed, addon not built, …): the first line of its load error. */
let nativeSkipped = '';

export function loadTf(): Tf {
  if (tfModule) return tfModule;
  // Read by TensorFlow's native library (tfjs-node) when it loads, unless the user set them: no start-up lines on
  // stderr, and no oneDNN, whose custom kernels announce themselves, round differently from TensorFlow's default
  // ones and crash with SIGFPE on some pooling shapes on some CPUs.
  process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';
  process.env['TF_ENABLE_ONEDNN_OPTS'] ??= '0';
  for (const name of ['@tensorflow/tfjs-node', '@tensorflow/tfjs']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      tfModule = require(name) as Tf;
      loadedName = name;
      // The CPU backend's "looks like you are running TensorFlow.js in Node.js" banner is advice for library
      // users, not output of this command (--verbose says which backend runs); production mode silences it.
      tfModule.env().set('PROD', true);
      return tfModule;
    } catch (err) {
      // try the next one
      if (name === '@tensorflow/tfjs-node')
        [nativeSkipped = ''] = (err instanceof Error ? err.message : String(err)).split('\n');
    }
  }
  throw new InvalidArgumentError(
    'This command needs TensorFlow.js: npm install @tensorflow/tfjs (or @tensorflow/tfjs-node)',
  );
}

/** One line naming the tfjs backend the model commands run on, and the package that provides it (for --verbose). */
export function backendDescription(): string {
  const tf = loadTf();
  const versions = tf.version as Record<string, string | undefined>;
  const native = loadedName === '@tensorflow/tfjs-node';
  const parts = [`${loadedName} ${versions[native ? 'tfjs-node' : 'tfjs'] ?? '?'}`];
  // tfjs-node's binding reports the TensorFlow library it runs on (TF_Version of the C API).
  const tfVersion = (tf.backend() as { binding?: { TF_Version?: string } }).binding?.TF_Version;
  if (native && tfVersion !== undefined) parts.push(`TensorFlow ${tfVersion}`);
  const line = `tfjs backend: ${tf.getBackend()} (${parts.join(', ')})`;
  return nativeSkipped === '' ? line : `${line}; @tensorflow/tfjs-node not used: ${nativeSkipped}`;
}

/**
 * A LayersModel from any model file loadKerasModel reads: a Keras 3 model.to_json() or .keras archive, a Keras 2
 * JSON, or a tfjs model.json (its weights too when its manifest lists them).
 */
export async function loadModelJson(file: string): Promise<import('@tensorflow/tfjs').LayersModel> {
  loadTf();
  return await loadKerasModel(file, { fs: files });
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
      const bin = Buffer.concat(parts.map((p) => Buffer.from(p)));
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
