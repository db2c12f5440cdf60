/**
 * Resume training where TensorFlow stopped: restore the weights *and* the Adam state (moments, iteration count),
 * then keep training in tfjs. Run: npx tsx examples/resume_training.ts
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { Checkpoint } from 'tfjs-checkpoint';

import expected from './data/mlp/expected.json';

export async function main(): Promise<number> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  // Compiling attaches the optimizer: its slots follow the model's trainable weights, as in Keras.
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });

  const status = await new Checkpoint({ model }).restore(path.join(__dirname, 'data', 'mlp'));
  status.assertConsumed(); // weights, Adam moments and the step count all found their place
  console.log('optimizer step after restore:', model.optimizer.iterations);

  const x = tf.tensor(expected.input);
  const y = tf.tensor([0, 1, 1, 2]);
  const history = await model.fit(x, y, { epochs: 2, verbose: 0 });
  console.log('loss:', history.history['loss']);
  console.log('optimizer step after 2 more epochs:', model.optimizer.iterations);
  return model.optimizer.iterations;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.exitCode = 1;
    console.error(e);
  });
}
