/**
 * npm run fuzz [-- --inputs N --seed S --structured M]: the long fuzz run over the shared corpus and the fixtures,
 * then M structured hostile inputs (test/fuzz/structured.ts, full sizes) in a child process with a 1 GiB heap;
 * prints counts of each outcome, the slowest case and peak memory; exits 1 on any untyped exception, hang,
 * oversized allocation or crash.
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import * as fs from 'node:fs';

import { fuzz, loadSeeds } from './harness';
import { fuzzKerasFiles } from './keras_h5';
import { HEAP_MB, perKind, runStructuredFuzz } from './structured';
import { INPUT_MS } from './timing';

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
  const kerasSeeds = fs
    .readdirSync(kerasDir)
    .filter((n) => /\.(h5|keras)$/.test(n))
    .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(kerasDir, name))) }));
  const keras = await fuzzKerasFiles(kerasSeeds, Math.max(1, Math.round(inputs / 10)), arg('seed', 1));
  console.log(JSON.stringify({ keras: { seeds: kerasSeeds.length, ...keras } }, null, 2));
  if (keras.failures.length > 0) process.exitCode = 1;
  const t1 = Date.now();
  const structured = await runStructuredFuzz(arg('structured', 180), arg('seed', 1));
  const { perInput, ...summary } = structured;
  const byKind = perKind(structured);
  console.log(
    JSON.stringify({ structured: { seconds: (Date.now() - t1) / 1000, ...summary, byKind: byKind.kinds } }, null, 2),
  );
  // Every input against the limits, one line each (the "no input over 2 s or 1 GiB").
  for (const p of perInput)
    console.log(
      `${p.ms <= INPUT_MS && p.heapBytes <= HEAP_MB * 2 ** 20 ? 'ok  ' : 'OVER'} ${String(p.ms).padStart(6)} ms ${String(Math.round(p.heapBytes / 2 ** 20)).padStart(5)} MiB  ${p.input}`,
    );
  console.log(
    `structured: ${perInput.length} inputs, ${byKind.allWithinLimits ? 'every one' : 'NOT every one'} within ${INPUT_MS} ms and ${HEAP_MB} MiB`,
  );
  if (!byKind.allWithinLimits) process.exitCode = 1;
  if (structured.failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
