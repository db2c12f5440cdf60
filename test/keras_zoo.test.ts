/**
 * The Keras 3 zoo (test/keras_zoo/generate.py, run here with Python TensorFlow 2.21 / Keras 3 into a gitignored
 * cache keyed by the generator's hash): for every model, the CLI's `convert` of its checkpoint with its
 * `model.to_json()` gives a tfjs model that `tf.loadLayersModel` loads and that predicts Keras's numbers within
 * 1e-4 relative (max|Δ| / max(1, max|y|)); `diff` exits 0; the Lambda model fails with UnsupportedLayerError and
 * exit 2. Models that need a class this branch does not register yet (checked in tfjs's registry) are skipped,
 * saying which.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { Checkpoint, fromCheckpoint, NodeFileSystem, UnsupportedLayerError } from '../src';
import { kerasToTfjsTopology, loadKerasModel } from '../src/keras';
import { tfAvailable } from './helpers/tf';
import { runCli as run } from './helpers/cli';
import { ensureZoo, ZOO } from './helpers/keras_zoo';
import { loadConverted } from './helpers/converted_model';

/** Every zoo model, with the tfjs classes it needs beyond tfjs's own and this branch's. */
const MODELS: Record<string, string[]> = {
  sequential_input_layer: [],
  mlp_bn_dropout: [],
  multi_io: [],
  text_bilstm: [],
  conv1d_text: [],
  gru_default: ['KerasGRU'],
  transformer_block: ['MultiHeadAttention'],
  time_distributed_rnn: [],
  grouped_conv: [],
  activations: [],
  MobileNetV2: [],
  MobileNetV3Small: [],
  EfficientNetB0: ['Normalization'],
  EfficientNetV2B0: ['Normalization'],
  DenseNet121: [],
  ResNet50: [],
  ResNet50V2: [],
  NASNetMobile: [],
  InceptionV3: [],
  Xception: [],
  VGG16: [],
  ConvNeXtTiny: ['LayerScale'],
};

interface Expected {
  name: string;
  params: number;
  save_as: 'model' | 'root' | 'with_optimizer' | 'none';
  inputs: Array<{ dtype: string; shape: number[]; values: number[] }>;
  outputs: Array<{ shape: number[]; values: number[] }>;
}

const registered = (cls: string): boolean => cls in tf.serialization.SerializationMap.getMap().classNameMap;
const rows: string[][] = [];

function readExpected(name: string): Expected {
  return JSON.parse(fs.readFileSync(path.join(ZOO, name, 'expected.json'), 'utf8')) as Expected;
}

function inputsOf(e: Expected): tf.Tensor[] {
  return e.inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype.startsWith('int') ? 'int32' : 'float32'));
}

/** max|Δ| / max(1, max|y|) over every output. */
function relativeError(actual: tf.Tensor[], e: Expected): number {
  let worst = 0;
  e.outputs.forEach((want, k) => {
    const got = actual[k]!;
    expect(got.shape).toEqual(want.shape);
    const a = got.dataSync();
    let maxDiff = 0;
    let maxY = 0;
    want.values.forEach((y, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(a[i]! - y));
      maxY = Math.max(maxY, Math.abs(y));
    });
    worst = Math.max(worst, maxDiff / Math.max(1, maxY));
  });
  return worst;
}

/** Loads the converted model the way users do: tf.loadLayersModel over model.json + weights.bin. */
const describeTf = tfAvailable() ? describe : describe.skip;

describeTf('Keras 3 zoo, judged by Keras', () => {
  beforeAll(() => ensureZoo(), 60 * 60_000);

  afterAll(() => {
    if (rows.length === 0) return;
    const table = [['model', 'params', 'max rel error', 'convert'], ...rows];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
    process.stdout.write(
      `\nKeras 3 zoo\n${table.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`).join('\n')}\n`,
    );
  });

  for (const [name, needs] of Object.entries(MODELS)) {
    const missing = needs.filter((c) => !registered(c));
    if (missing.length > 0) {
      it.skip(`${name} (needs ${missing.join(', ')}, not registered on this branch)`, () => undefined);
      continue;
    }
    it(`${name}: convert + tf.loadLayersModel predicts like Keras; diff exits 0`, async () => {
      const e = readExpected(name);
      const dir = path.join(ZOO, name);
      const ckpt = path.join(dir, 'ckpt');
      const out = path.join(dir, 'tfjs');
      const started = performance.now();
      const converted = await run(['convert', ckpt, '--model', path.join(dir, 'model.json'), '--out', out]);
      const seconds = (performance.now() - started) / 1000;
      expect(converted.err).toBe('');
      expect(converted.code).toBe(0);

      const model = await loadConverted(out);
      expect(model.countParams()).toBe(e.params);
      const inputs = inputsOf(e);
      const y = model.predict(inputs.length === 1 ? inputs[0]! : inputs);
      const error = relativeError(Array.isArray(y) ? y : [y], e);
      rows.push([name, String(e.params), error.toExponential(2), `${seconds.toFixed(2)} s`]);
      expect(error).toBeLessThan(1e-4);

      const diff = await run(['diff', ckpt, '--model', path.join(dir, 'model.json')]);
      expect(diff.code).toBe(0);
      if (fs.existsSync(path.join(dir, 'model.keras'))) {
        // The .keras archive names the same model: the checkpoint fits it as well.
        expect((await run(['diff', ckpt, '--model', path.join(dir, 'model.keras')])).code).toBe(0);
      }
    }, 300_000);
  }

  it('fromCheckpoint: tf.loadLayersModel builds a Keras 3 model.to_json() with its checkpoint, as in a page', async () => {
    for (const name of ['transformer_block', 'gru_default', 'MobileNetV3Small']) {
      const e = readExpected(name);
      const dir = path.join(ZOO, name);
      const topology = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as object;
      const model = await tf.loadLayersModel(
        fromCheckpoint({ fs: new NodeFileSystem(), path: path.join(dir, 'ckpt') }, { topology }),
      );
      const inputs = inputsOf(e);
      const y = model.predict(inputs.length === 1 ? inputs[0]! : inputs);
      expect([name, relativeError(Array.isArray(y) ? y : [y], e) < 1e-4]).toEqual([name, true]);
      model.dispose();
    }
  }, 300_000);

  it('the Lambda model fails before anything is built, naming the layer: UnsupportedLayerError, exit 2', async () => {
    const dir = path.join(ZOO, 'lambda');
    const json = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
    let thrown: unknown;
    try {
      kerasToTfjsTopology(json);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UnsupportedLayerError);
    expect((thrown as UnsupportedLayerError).code).toBe('UNSUPPORTED');
    expect((thrown as UnsupportedLayerError).layers).toEqual([
      { name: 'double', className: 'Lambda', reason: 'Lambda layers hold Python code' },
    ]);
    await expect(loadKerasModel(path.join(dir, 'model.json'))).rejects.toBeInstanceOf(UnsupportedLayerError);
    const r = await run([
      'convert',
      path.join(ZOO, 'mlp_bn_dropout', 'ckpt'),
      '--model',
      path.join(dir, 'model.json'),
      '--out',
      path.join(dir, 'tfjs'),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('double (Lambda): Lambda layers hold Python code');
  });

  it('every layer tfjs cannot represent is named in one error, before anything is built', async () => {
    const json = fs.readFileSync(path.join(ZOO, 'unsupported_mix', 'model.json'), 'utf8');
    expect(() => kerasToTfjsTopology(json)).toThrow(UnsupportedLayerError);
    try {
      kerasToTfjsTopology(json);
    } catch (err) {
      expect((err as UnsupportedLayerError).layers.map((l) => `${l.name} (${l.className})`)).toEqual([
        'double (Lambda)',
        'leaky (ReLU)',
        'custom (Custom)',
      ]);
      expect((err as UnsupportedLayerError).layers[1]!.reason).toContain('negative_slope=0.1');
      expect((err as UnsupportedLayerError).layers[2]!.reason).toContain('zoo>Custom');
    }
  });

  it("the issue's repro: a tfjs Sequential starting with tf.layers.inputLayer restores a Keras 3 checkpoint", async () => {
    const e = readExpected('sequential_input_layer');
    const model = tf.sequential({
      layers: [
        tf.layers.inputLayer({ inputShape: [12] }),
        tf.layers.dense({ units: 32 }),
        tf.layers.reLU(),
        tf.layers.dense({ units: 16 }),
        tf.layers.dense({ units: 5 }),
      ],
    });
    const status = await new Checkpoint({ model }).restore(path.join(ZOO, 'sequential_input_layer', 'ckpt'));
    status.assertExistingObjectsMatched();
    const y = model.predict(inputsOf(e)[0]!) as tf.Tensor;
    expect(relativeError([y], e)).toBeLessThan(1e-5);
  });
});
