/** Every example runs on the bundled data and does what it says (the package is imported by name, as users do). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { CheckpointReader, CheckpointView, listVariables, loadVariable } from '../src';
import { readExpectedPredictions } from './helpers/json';

const EXPECTED = readExpectedPredictions(path.join(__dirname, '../examples/data/mlp/expected.json'));

/** tfjs's predictions equal Keras's for the bundled model (recorded by test/fixtures/generate.py). */
function expectKerasPredictions(predictions: number[][]): void {
  expect(predictions.length).toBe(EXPECTED.predictions.length);
  predictions
    .flat()
    .forEach((p, i) => expect(Math.abs(p - (EXPECTED.predictions.flat()[i] ?? NaN))).toBeLessThan(1e-5));
}

const quiet = <T>(fn: () => Promise<T>): Promise<T> => {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  return fn().finally(() => log.mockRestore());
};

describe('examples', () => {
  it('inspect.ts lists and reads the bundled checkpoint', async () => {
    const { main } = await import('../examples/inspect');
    await quiet(() => main());
  });

  it('restore_keras.ts predicts like Keras', async () => {
    const { main } = await import('../examples/restore_keras');
    const predictions = await quiet(() => main());
    const expected = readExpectedPredictions(path.join(__dirname, '../examples/data/mlp/expected.json')).predictions;
    predictions.flat().forEach((p, i) => expect(Math.abs(p - expected.flat()[i]!)).toBeLessThan(1e-5));
  });

  it('partial_backbone.ts restores only the backbone', async () => {
    const { main } = await import('../examples/partial_backbone');
    expect(await quiet(() => main())).toEqual([
      '(root).save_counter',
      '(root).model._operations.1._kernel',
      '(root).model._operations.1.bias',
    ]);
  });

  it('resume_training.ts continues from TensorFlow`s step count', async () => {
    const { main } = await import('../examples/resume_training');
    expect(await quiet(() => main())).toBe(22);
  });

  it('save_for_python.ts writes a Keras 3 checkpoint with the optimizer state', async () => {
    const { main } = await import('../examples/save_for_python');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-example-'));
    try {
      const saved = await quiet(() => main(dir));
      const reader = await CheckpointReader.open(saved);
      // As Keras 3 writes a compiled Sequential model: TF's breadth-first search meets the weights under the
      // optimizer (4 edges) before _functional/_operations/I (5 edges), so they are keyed there.
      expect(reader.keys()).toContain('model/optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE');
      expect(reader.keys()).toContain('model/optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE');
      const view = await CheckpointView.open(saved);
      const functional = view.children(view.children(0).get('model')!).get('_functional')!;
      expect([...view.children(functional).keys()]).toEqual(['_operations']);
      await reader.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keras_weights.ts compares, then saves and loads weights as Keras does', async () => {
    const { main } = await import('../examples/keras_weights');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-example-'));
    try {
      const { comparison, predictions } = await quiet(() => main(dir));
      expect(comparison.matched.map((m) => m.path)).toEqual([
        '(root).save_counter',
        '(root).model._operations.1._kernel',
        '(root).model._operations.1.bias',
        '(root).model._operations.2._kernel',
        '(root).model._operations.2.bias',
      ]);
      expect(comparison.shapeMismatches).toEqual([]);
      expect(comparison.onlyInLive).toEqual([]);
      // Adam's iterations, learning rate and 2 moments for each of the 4 weights stay in the checkpoint.
      expect(comparison.onlyInCheckpoint.map((m) => m.path)).toHaveLength(10);
      expect(comparison.onlyInCheckpoint.every((m) => m.path.startsWith('(root).model.optimizer.'))).toBe(true);
      // The copy got its weights only through save_weights/load_weights: it predicts as Keras did.
      expectKerasPredictions(predictions);
      expect(new Set(fs.readdirSync(dir))).toEqual(new Set(['cp.ckpt.index', 'cp.ckpt.data-00000-of-00001']));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('http.ts lists and restores the bundled checkpoint over HTTP ranges (its own 127.0.0.1 server)', async () => {
    const { main } = await import('../examples/http');
    const { variables, predictions, requests } = await quiet(() => main());
    expect(variables).toEqual(await listVariables(path.join(__dirname, '../examples/data/mlp')));
    expectKerasPredictions(predictions);
    expect(requests).toBeGreaterThan(0);
  });

  it('browser_files.ts reads picked File objects, builds the model and saves through a sink', async () => {
    const { main } = await import('../examples/browser_files');
    const { predictions, saved, savedKeys } = await quiet(() => main());
    expectKerasPredictions(predictions);
    expect(saved).toEqual(['checkpoint', 'ckpt.data-00000-of-00001', 'ckpt.index']);
    // The default layout is Keras 2's (tf_keras, TF <= 2.15): the model's weighted layers by position.
    expect(savedKeys).toEqual([
      '_CHECKPOINTABLE_OBJECT_GRAPH',
      'model/layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE',
      'model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE',
      'model/layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE',
      'model/layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE',
    ]);
  });

  it('keras_model.ts builds the model from Keras 3 JSON and predicts as Keras after the restore', async () => {
    const { main } = await import('../examples/keras_model');
    const { layerClasses, predictions } = await quiet(() => main());
    expect(layerClasses).toEqual(['InputLayer', 'Dense', 'Dense']);
    expectKerasPredictions(predictions);
  });

  it('tfjs_node.ts runs on tfjs-node where it is built (the tensorflow test project), else on @tensorflow/tfjs', async () => {
    const { main } = await import('../examples/tfjs_node');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    let values: number[];
    let calls: unknown[][];
    try {
      values = await main();
    } finally {
      calls = log.mock.calls.slice();
      log.mockRestore();
    }
    // The cpu test project hides tfjs-node (test/helpers/no_tfjs_node.js), so there the example falls back.
    expect(calls[0]).toEqual(
      tf.getBackend() === 'tensorflow'
        ? ['backend:', 'tensorflow']
        : ['(@tensorflow/tfjs-node is not installed here: using @tensorflow/tfjs)'],
    );
    const kernel = await loadVariable(
      path.join(__dirname, '../examples/data/mlp'),
      'model/_operations/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE',
    );
    // ones(1,4)·kernel sums the kernel's columns: 4 float32 additions, whose order may differ between backends.
    const sums = Array.from({ length: 8 }, (_, j) =>
      [0, 1, 2, 3].reduce((acc, i) => acc + (kernel.data as Float32Array)[i * 8 + j]!, 0),
    );
    values.forEach((v, j) => expect(Math.abs(v - sums[j]!)).toBeLessThan(1e-6));
  });
});
