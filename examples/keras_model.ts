/**
 * A Keras 3 model in tfjs without Python: its architecture from `model.to_json()` (or a `.keras` archive), its
 * weights from a TensorFlow checkpoint.  Run: npx tsx examples/keras_model.ts
 * The regions are the API reference's examples (`npm run docs`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { Checkpoint } from 'tfjs-checkpoint';
import { kerasToTfjsTopology, loadKerasModel } from 'tfjs-checkpoint/keras';

export async function main(): Promise<{ layerClasses: string[]; predictions: number[][] }> {
  const dir = path.join(__dirname, 'data', 'mlp');

  // #region kerasToTfjsTopology
  // Keras 3's JSON (model.to_json()) → the topology tfjs builds, e.g. with tf.models.modelFromJSON. Needs no tfjs.
  const kerasJson = fs.readFileSync(path.join(dir, 'keras_model.json'), 'utf8');
  const topology = kerasToTfjsTopology(kerasJson);
  const layerClasses = (topology.config['layers'] as Array<{ class_name: string }>).map((l) => l.class_name);
  console.log(topology.class_name, layerClasses); // Functional/Model, ['InputLayer', 'Dense', 'Dense']
  // #endregion kerasToTfjsTopology

  // #region loadKerasModel
  // The tfjs model of a Keras JSON, a .keras archive (weights included) or its config.json; then the checkpoint's
  // weights, written in Python by tf.train.Checkpoint(model=model).
  const model = await loadKerasModel(path.join(dir, 'keras_model.json'));
  const status = await new Checkpoint({ model }).restore(dir);
  status.expectPartial().assertExistingObjectsMatched(); // every weight found, the optimizer's state left out
  // #endregion loadKerasModel

  const expected = JSON.parse(fs.readFileSync(path.join(__dirname, 'data', 'mlp', 'expected.json'), 'utf8')) as {
    input: number[][];
  };
  const predictions = (await (model.predict(tf.tensor(expected.input)) as tf.Tensor).array()) as number[][];
  console.log('tfjs :', predictions[0]);
  return { layerClasses, predictions };
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.exitCode = 1;
    console.error(e);
  });
}
