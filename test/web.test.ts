/**
 * tfjs integration: `tf.loadLayersModel(fromCheckpoint(...))` from a model.json topology and a TF checkpoint
 * (over HTTP, from File objects, from a file system), predicting what Keras predicted; and saving through a sink,
 * read back by TensorFlow.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {
  BlobFileSystem,
  Checkpoint,
  CheckpointError,
  fromCheckpoint,
  InvalidArgumentError,
  MismatchError,
  NodeFileSystem,
  saveToSink,
  setLogger,
  UnsupportedError,
} from '../src';
import { FaultServer } from './helpers/fault_server';
import { tfAvailable, tfJudge } from './helpers/tf';

const ROOT = path.resolve(__dirname, '..');
const MLP = path.join(ROOT, 'examples', 'data', 'mlp');
const expected = JSON.parse(fs.readFileSync(path.join(MLP, 'expected.json'), 'utf8')) as {
  input: number[][];
  predictions: number[][];
};
const modelJson = JSON.parse(fs.readFileSync(path.join(MLP, 'model.json'), 'utf8')) as object;

const server = new FaultServer({ '/mlp': MLP });
let previousLogger: ReturnType<typeof setLogger>;
beforeAll(async () => {
  await server.start();
  previousLogger = setLogger({ warn: () => undefined });
});
afterAll(async () => {
  setLogger(previousLogger);
  await server.stop();
});

async function predictions(model: tf.LayersModel): Promise<number[][]> {
  const x = tf.tensor(expected.input);
  const y = model.predict(x) as tf.Tensor;
  const out = (await y.array()) as number[][];
  tf.dispose([x, y]);
  return out;
}

function expectKerasPredictions(got: number[][]): void {
  expect(got.length).toBe(expected.predictions.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - expected.predictions[i]![j]!)).toBeLessThan(1e-5)));
}

describe('fromCheckpoint', () => {
  it('tf.loadLayersModel builds the model.json topology with the checkpoint’s weights (URL, directory, topology URL)', async () => {
    const model = await tf.loadLayersModel(
      fromCheckpoint(`${server.base}/mlp`, { topology: `${server.base}/mlp/model.json` }),
    );
    expectKerasPredictions(await predictions(model));
    model.dispose();
  });

  it('takes the File objects of a picked folder, and a file system', async () => {
    const files = fs.readdirSync(MLP).map((name) => {
      const blob = new Blob([fs.readFileSync(path.join(MLP, name))]);
      return Object.assign(blob, { name, webkitRelativePath: `mlp/${name}` });
    });
    const fromFiles = await tf.loadLayersModel(fromCheckpoint(files, { topology: modelJson }));
    expectKerasPredictions(await predictions(fromFiles));
    fromFiles.dispose();
    const fromDisk = await tf.loadLayersModel(
      fromCheckpoint({ fs: new NodeFileSystem(), path: path.join(MLP, 'ckpt-1') }, { topology: modelJson }),
    );
    expectKerasPredictions(await predictions(fromDisk));
    fromDisk.dispose();
    expect(new BlobFileSystem(files).paths()).toContain('mlp/ckpt-1.index');
  });

  it('rejects a topology the checkpoint does not fit with a CheckpointError, leaking no tensor', async () => {
    const wrong = JSON.parse(JSON.stringify(modelJson)) as {
      modelTopology: { config: { layers: Array<{ config: { units?: number } }> } };
    };
    wrong.modelTopology.config.layers.find((l) => l.config.units === 8)!.config.units = 9;
    const before = tf.memory().numTensors;
    const err = await tf
      .loadLayersModel(fromCheckpoint(`${server.base}/mlp`, { topology: wrong }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MismatchError);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('without tfjs-checkpoint/keras (this file never imports it), Keras topologies fail naming that entry', async () => {
    // Keras 3 JSON: refused before anything is built.
    const keras3 = {
      class_name: 'Sequential',
      module: 'keras',
      registered_name: null,
      config: { name: 'm', layers: [] },
    };
    const err = await tf
      .loadLayersModel(fromCheckpoint(`${server.base}/mlp`, { topology: keras3 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toContain("'tfjs-checkpoint/keras'");
    // A tfjs topology naming a class the Keras entry registers (KerasIdentity): tfjs's own error, with the hint.
    const withKerasClass = JSON.parse(JSON.stringify(modelJson)) as {
      modelTopology: { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
    };
    const layers = withKerasClass.modelTopology.config.layers;
    layers.splice(1, 0, { class_name: 'KerasIdentity', config: { name: 'identity', trainable: false } });
    const unknown = await tf
      .loadLayersModel(fromCheckpoint(`${server.base}/mlp`, { topology: withKerasClass }))
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(InvalidArgumentError);
    expect((unknown as Error).message).toMatch(/Unknown layer: KerasIdentity.*importing 'tfjs-checkpoint\/keras'/s);
  });
});

(tfAvailable() ? describe : describe.skip)('saveToSink', () => {
  it('hands every file of a checkpoint, with its state file, to a sink; TensorFlow reads the folder', async () => {
    const model = await tf.loadLayersModel(fromCheckpoint(`${server.base}/mlp`, { topology: modelJson }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-sink-'));
    try {
      const names = await saveToSink(new Checkpoint({ model }), (name, bytes) =>
        fs.writeFileSync(path.join(dir, name), bytes),
      );
      expect(names).toEqual(['checkpoint', 'ckpt.data-00000-of-00001', 'ckpt.index']);
      const judged = tfJudge<{ latest_checkpoint: string }>('manager', { directory: dir, max_to_keep: 5 });
      expect(judged.latest_checkpoint).toBe(path.join(dir, 'ckpt'));
      const oracle = tfJudge<{ list_variables: Array<[string, number[]]> }>('oracle', {
        prefix: path.join(dir, 'ckpt'),
      });
      expect(oracle.list_variables.map(([k]) => k)).toEqual(
        expect.arrayContaining([
          'model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE',
          'model/layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE',
        ]),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
  });
});
