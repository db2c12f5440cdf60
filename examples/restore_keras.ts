/**
 * Restore a checkpoint written by TensorFlow/Keras into a tfjs model and predict — no Python, no conversion.
 * The bundled checkpoint is a Keras 3 model saved with tf.train.Checkpoint(model=model).
 * Run: npx tsx examples/restore_keras.ts
 * The regions are the API reference's examples (`npm run docs`).
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { Checkpoint } from 'tfjs-checkpoint';

import expected from './data/mlp/expected.json';

export async function main(): Promise<number[][]> {
  // The same architecture as in Keras (names of layers do not matter: the object graph decides).
  const input = tf.input({ shape: [4] });
  const hidden = tf.layers.dense({ units: 8, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  const probs = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(hidden) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: probs });

  // #region Checkpoint
  // tf.train.Checkpoint(model=model).restore(...); the optimizer state in the file is not wanted here.
  const status = await new Checkpoint({ model }).restore(path.join(__dirname, 'data', 'mlp'));
  status.expectPartial();
  status.assertExistingObjectsMatched(); // every tfjs weight got a value
  // #endregion Checkpoint

  const predictions = (await (model.predict(tf.tensor(expected.input)) as tf.Tensor).array()) as number[][];
  console.log('tfjs :', predictions[0]);
  console.log('Keras:', expected.predictions[0]);
  return predictions;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.exitCode = 1;
    console.error(e);
  });
}
