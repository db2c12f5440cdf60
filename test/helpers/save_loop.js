// Child process for the kill test: saves checkpoints of 2 MB in a loop until killed, in one of three ways:
//   save      Checkpoint.save(dir/ckpt): a new numbered prefix and the state file each time
//   overwrite Checkpoint.write(dir/cp.ckpt): the same prefix every time (Keras's save_weights pattern), 9 shards
//   manager   CheckpointManager with maxToKeep 1: each save deletes the previous checkpoint
// Every value of save i holds i, so a reader can tell a mixed checkpoint from a whole one.
// It runs on the tfjs backend the test names ('tensorflow' for tfjs-node, else the pure-JS backend).
'use strict';
const path = require('node:path');

const [dir, mode, firstArg, backend] = process.argv.slice(2);
const tf = backend === 'tensorflow' ? require('@tensorflow/tfjs-node') : require('@tensorflow/tfjs');
const { Checkpoint, CheckpointManager } = require('../../dist');
const first = Number(firstArg);
const warn = console.warn;
console.warn = () => undefined;
const vars = { w: tf.variable(tf.zeros([512, 1024])), step: tf.variable(tf.scalar(0, 'int32')) };
console.warn = warn;
const ckpt = new Checkpoint(vars);
const manager = new CheckpointManager(ckpt, dir, { maxToKeep: 1 });
const saveOnce = {
  save: () => ckpt.save(path.join(dir, 'ckpt')),
  overwrite: () => ckpt.write(path.join(dir, 'cp.ckpt'), { maxShardSize: 256 << 10 }),
  manager: (i) => manager.save(i),
}[mode];
(async () => {
  process.stdout.write('ready\n');
  for (let i = first; ; i++) {
    tf.tidy(() => {
      vars.w.assign(tf.fill([512, 1024], i));
      vars.step.assign(tf.scalar(i, 'int32'));
    });
    await saveOnce(i);
    process.stdout.write(`saved ${i}\n`);
  }
})();
