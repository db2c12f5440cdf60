/**
 * npm run fuzz [-- --inputs N --seed S]: the long fuzz run over the shared corpus and the fixtures; prints counts
 * of each outcome and the slowest case; exits 1 on any untyped exception, hang or oversized allocation.
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { fuzz, loadSeeds } from './harness';

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
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 2;
});
