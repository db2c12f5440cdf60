/**
 * Transfer learning: restore a trained backbone into a new model whose head differs, and leave the head alone.
 * As in TensorFlow, describe just the part of the checkpoint to restore.
 * Run: npx tsx examples/partial_backbone.ts
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { Checkpoint } from 'tfjs-checkpoint';

export async function main(): Promise<string[]> {
  const input = tf.input({ shape: [4] });
  const backbone = tf.layers.dense({ units: 8, activation: 'relu' });
  const newHead = tf.layers.dense({ units: 5, activation: 'softmax' }); // 5 classes instead of 3
  const model = tf.model({ inputs: input, outputs: newHead.apply(backbone.apply(input)) as tf.SymbolicTensor });

  // The Keras model is a functional model: checkpoint path model/_operations/1 is its hidden Dense layer.
  const status = await new Checkpoint({ model: { _operations: [{}, backbone] } }).restore(
    path.join(__dirname, 'data', 'mlp'),
  );
  status.expectPartial(); // the old head and the optimizer stay in the checkpoint, on purpose
  const restored = status.report().restored.map((r) => r.path);
  console.log('restored:', restored);
  console.log('new head untouched, model output shape:', (model.outputs[0] as tf.SymbolicTensor).shape);
  return restored;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.exitCode = 1;
    console.error(e);
  });
}
