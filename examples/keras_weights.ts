/**
 * Keras's `save_weights` / `load_weights` in tfjs, and a dry run first: does the checkpoint fit this model?
 * Run: npx tsx examples/keras_weights.ts [OUT_DIR]
 * The regions are the API reference's examples (`npm run docs`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { Checkpoint, type Comparison, compareWithCheckpoint, loadWeights } from 'tfjs-checkpoint';

/** The Keras model of the bundled checkpoint, rebuilt in tfjs: Dense(8, relu) then Dense(3, softmax) on 4 features. */
function buildModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

export async function main(
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-checkpoint-weights-')),
): Promise<{ comparison: Comparison; predictions: number[][] }> {
  const checkpointDir = path.join(__dirname, 'data', 'mlp'); // written by tf.train.Checkpoint(model=model)
  const model = buildModel();

  // #region compareWithCheckpoint
  // What a restore would do, without reading a value or changing a weight.
  const comparison = await compareWithCheckpoint(new Checkpoint({ model }), checkpointDir);
  console.log(`${comparison.matched.length} values fit, ${comparison.shapeMismatches.length} do not fit,`);
  console.log(
    `${comparison.onlyInCheckpoint.length} are not wanted (the optimizer's), ${comparison.onlyInLive.length} weights get no value`,
  );
  // #endregion compareWithCheckpoint

  (await new Checkpoint({ model }).restore(checkpointDir)).expectPartial();

  // #region saveWeights
  // Keras's model.save_weights('cp.ckpt') in TensorFlow format: the model is the checkpoint's root.
  await new Checkpoint({ root: model }).write(path.join(outDir, 'cp.ckpt'));
  // #endregion saveWeights

  // #region loadWeights
  // Keras's model.load_weights('cp.ckpt'): a model of the same architecture gets every weight.
  const copy = buildModel();
  const status = await loadWeights(copy, path.join(outDir, 'cp.ckpt'));
  status.assertConsumed();
  // #endregion loadWeights

  const expected = JSON.parse(fs.readFileSync(path.join(__dirname, 'data', 'mlp', 'expected.json'), 'utf8')) as {
    input: number[][];
  };
  const predictions = (await (copy.predict(tf.tensor(expected.input)) as tf.Tensor).array()) as number[][];
  console.log('predictions of the copy:', predictions[0]);
  return { comparison, predictions };
}

if (require.main === module) {
  main(process.argv[2]).catch((e: unknown) => {
    process.exitCode = 1;
    console.error(e);
  });
}
