/**
 * The child process of runStructuredFuzz: `node --max-old-space-size=1024 --import tsx structured_run.ts INPUTS
 * SEED` prints the structured fuzz report as one JSON line.
 */
import * as tf from '@tensorflow/tfjs';

import { structuredFuzz } from './structured';

async function main(): Promise<void> {
  const inputs = Number(process.argv[2] ?? 45);
  const seed = Number(process.argv[3] ?? 1);
  // The CPU backend's advice to install tfjs-node is printed on the first tensor; the run wants clean output.
  const warn = console.warn;
  console.warn = () => undefined;
  tf.tidy(() => tf.scalar(0));
  console.warn = warn;
  const report = await structuredFuzz(inputs, seed, tf, process.argv[4] !== 'ci');
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
