/**
 * Inspect a checkpoint: list its tensors like `tf.train.list_variables`, read one, and walk the object graph like
 * `tf.train.CheckpointView`.  Run: npx tsx examples/inspect.ts [PATH]
 * The regions are the API reference's examples (`npm run docs`).
 */
import * as path from 'node:path';

import { CheckpointReader, CheckpointView, listVariables } from 'tfjs-checkpoint';

export async function main(target = path.join(__dirname, 'data', 'mlp')): Promise<void> {
  // #region listVariables
  for (const [key, shape] of await listVariables(target)) console.log(`${key} ${JSON.stringify(shape)}`);
  // #endregion listVariables

  // #region CheckpointReader
  const reader = await CheckpointReader.open(target); // a directory means: its latest checkpoint
  const kernel = await reader.getTensor('model/_operations/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE');
  console.log(
    `\nhidden kernel: ${kernel.dtype} [${kernel.shape.join(',')}], first values ${Array.from(
      kernel.data as Float32Array,
    )
      .slice(0, 3)
      .join(',')}`,
  );
  await reader.close();
  // #endregion CheckpointReader

  // #region CheckpointView
  const view = await CheckpointView.open(target);
  console.log('\nchildren of the root:', [...view.children(0)]);
  for (const [id, p] of view.descendantsWithPaths())
    if (view.node(id).attributes.length > 0) console.log(`node ${id}: ${p}`);
  // #endregion CheckpointView
}

if (require.main === module) {
  main(process.argv[2]).catch((e: unknown) => {
    process.exitCode = 1;
    console.error(e);
  });
}
