/**
 * Train in tfjs, save a TF2 checkpoint, restore it in Python TensorFlow.
 * Run: npx tsx examples/save_for_python.ts [OUT_DIR]
 *
 * Then, in Python (Keras 3, as the checkpoint is written with layout 'keras3'):
 *
 *   import keras, tensorflow as tf
 *   model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
 *                             keras.layers.Dense(3, activation="softmax")])
 *   tf.train.Checkpoint(model=model).read(tf.train.latest_checkpoint(OUT_DIR)).assert_existing_objects_matched()
 *
 * With tf_keras / TF <= 2.15 use the default layout ('keras2') and `model.load_weights(OUT_DIR + "/ckpt-1")` with the
 * checkpoint written as `new Checkpoint({ root: model })`.
 * The regions are the API reference's examples (`npm run docs`).
 */
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { Checkpoint, CheckpointManager, listVariables } from 'tfjs-checkpoint';

export async function main(outDir = path.join(os.tmpdir(), 'tfjs-checkpoint-example')): Promise<string> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
  await model.fit(tf.randomNormal([16, 4]), tf.tensor(Array.from({ length: 16 }, (_, i) => i % 3)), {
    epochs: 3,
    verbose: 0,
  });

  // #region CheckpointManager
  // tf.train.CheckpointManager: numbered checkpoints (ckpt-1, ckpt-2, …), the `checkpoint` state file, old ones deleted.
  const manager = new CheckpointManager(new Checkpoint({ model }), outDir, { maxToKeep: 3, layout: 'keras3' });
  const saved = await manager.save();
  console.log(`saved ${saved}`);
  // #endregion CheckpointManager
  for (const [key, shape] of await listVariables(saved)) console.log(`  ${key} ${JSON.stringify(shape)}`);
  return saved;
}

if (require.main === module) {
  main(process.argv[2]).catch((e: unknown) => {
    process.exitCode = 1;
    console.error(e);
  });
}
