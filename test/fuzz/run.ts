/**
 * npm run fuzz [-- --inputs N --seed S]: the long fuzz run over the shared corpus and the fixtures; prints counts
 * of each outcome and the slowest case; exits 1 on any untyped exception, hang or oversized allocation.
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import * as fs from 'node:fs';

import { fuzz, loadSeeds } from './harness';
import { fuzzKerasFiles } from './keras_h5';

async function main(): Promise<void> {
  const arg = (name: string, dflt: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const inputs = arg('inputs', 100000);
  const corpus = process.env['TFJS_CHECKPOINT_CORPUS'] ?? path.resolve(__dirname, '../../../shared/tf-checkpoints');
  const seeds = loadSeeds([corpus, path.resolve(__dirname, '../fixtures/tf')]);
  const warn = console.warn;
  console.warn = () => undefined;
  tf.tidy(() => tf.scalar(0));
  console.warn = warn;
  const t0 = Date.now();
  const report = await fuzz(seeds, inputs, arg('seed', 1), tf);
  console.log(JSON.stringify({ seeds: seeds.length, seconds: (Date.now() - t0) / 1000, ...report }, null, 2));
  if (report.failures.length > 0) process.exitCode = 1;
  // Keras's HDF5 files (.weights.h5, .keras, legacy .h5): the committed fixtures as seeds.
  const kerasDir = path.resolve(__dirname, '../fixtures/keras');
  const kerasSeeds = fs.readdirSync(kerasDir).filter((n) => /\.(h5|keras)$/.test(n)).map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(kerasDir, name))) }));
  const keras = await fuzzKerasFiles(kerasSeeds, Math.max(1, Math.round(inputs / 10)), arg('seed', 1));
  console.log(JSON.stringify({ keras: { seeds: kerasSeeds.length, ...keras } }, null, 2));
  if (keras.failures.length > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 2;
});
