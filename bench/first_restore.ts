/**
 * One restore in a fresh process, for `npm run bench` (bench/run.ts starts it; not meant to be run alone):
 *   node --import tsx bench/first_restore.ts PREFIX SHAPES_JSON MODE      MODE: in-place | streaming | new-memory
 * Builds the large workload's variables (their memory written once, as an initialiser does), restores once and
 * prints JSON: the restore's seconds; the process's peak RSS above its RSS before the variables were built (the
 * model plus whatever the restore held at its peak); and above its RSS just before the restore (what the restore
 * added, as bench/tf_bench.py measures TensorFlow's).
 */
import * as fs from 'node:fs';

import * as tf from '@tensorflow/tfjs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Checkpoint, setLogger } = require('../dist') as typeof import('../src');

const MODES = {
  'in-place': { inPlace: true },
  streaming: { atomic: false },
  'new-memory': { inPlace: false },
} as const;

/**
 * The process's peak RSS in bytes. On Linux from /proc (VmHWM): getrusage's maxRSS also counts the parent's RSS
 * at the fork that started this process, so a child of a big benchmark process would report the parent's size.
 */
function peakRss(): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (kb) return Number(kb[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function main(): Promise<void> {
  const [prefix, shapesFile, mode] = process.argv.slice(2) as [string, string, keyof typeof MODES];
  if (!(mode in MODES)) throw new Error(`unknown mode ${mode}`);
  setLogger({ warn: () => undefined });
  const warn = console.warn;
  console.warn = () => undefined;
  tf.tidy(() => tf.scalar(0));
  console.warn = warn;
  const shapes = (JSON.parse(fs.readFileSync(shapesFile, 'utf8')) as { large: Record<string, number[]> }).large;
  const baseline = process.memoryUsage().rss;
  const params: Record<string, unknown> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const parts = name.split('/');
    let node = params;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    // tf.fill writes every element, so the model's memory is resident before the restore, as after an initialiser.
    node[parts[parts.length - 1]!] = tf.tidy(() => tf.variable(tf.fill(shape, 0.5)));
  }
  const ckpt = new Checkpoint({ root: { params } });
  const before = process.memoryUsage().rss;
  const t = performance.now();
  (await ckpt.restore(prefix, MODES[mode])).assertExistingObjectsMatched();
  const seconds = (performance.now() - t) / 1000;
  const peak = peakRss();
  console.log(
    JSON.stringify({ mode, seconds, peakAboveBaselineBytes: peak - baseline, peakGrowthBytes: peak - before }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
