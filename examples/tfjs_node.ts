/**
 * With @tensorflow/tfjs-node: nothing changes but the import — the package uses whichever tfjs the application
 * loads (its tfjs dependencies are peer dependencies). Run: npx tsx examples/tfjs_node.ts
 * (falls back to the pure-JS @tensorflow/tfjs where tfjs-node is not installed, and says so).
 */
import * as path from 'node:path';

import { loadVariable, toTfjsTensor } from 'tfjs-checkpoint';

function loadTfjs(): typeof import('@tensorflow/tfjs') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@tensorflow/tfjs-node') as typeof import('@tensorflow/tfjs');
  } catch {
    console.log('(@tensorflow/tfjs-node is not installed here: using @tensorflow/tfjs)');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
  }
}

export async function main(): Promise<number[]> {
  const tf = loadTfjs();
  await tf.ready();
  console.log('backend:', tf.getBackend());
  // #region loadVariable
  // tf.train.load_variable: one value by key (a directory means its latest checkpoint), then a tfjs tensor.
  const kernel = toTfjsTensor(
    await loadVariable(path.join(__dirname, 'data', 'mlp'), 'model/_operations/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE'),
  );
  // #endregion loadVariable
  const out = tf.matMul(tf.ones([1, 4]), kernel);
  const values = Array.from(await out.data());
  console.log('ones(1,4) · kernel =', values.map((v) => v.toFixed(4)).join(' '));
  return values;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.exitCode = 1;
    console.error(e);
  });
}
