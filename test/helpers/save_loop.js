// Child process for the kill test: saves checkpoints of a few MB through a CheckpointManager until killed, on the
// tfjs backend the test names (argv[3]: 'tensorflow' for tfjs-node, else the pure-JS backend).
'use strict';
const tf = process.argv[3] === 'tensorflow' ? require('@tensorflow/tfjs-node') : require('@tensorflow/tfjs');
const { Checkpoint, CheckpointManager } = require('../../dist');

const dir = process.argv[2];
const warn = console.warn;
console.warn = () => undefined;
const vars = { w: tf.variable(tf.randomNormal([2048, 1024])), b: tf.variable(tf.zeros([1024])), step: tf.variable(tf.scalar(0, 'int32')) };
console.warn = warn;
const manager = new CheckpointManager(new Checkpoint(vars), dir, { maxToKeep: 3 });
(async () => {
  for (let i = 0; ; i++) {
    vars.step.assign(tf.scalar(i, 'int32'));
    await manager.save();
    process.stdout.write(`saved ${i}\n`);
  }
})();
