/**
 * The Keras-file part of `npm run bench`: one Keras 3 model (5 Dense layers of 2048 units, ~84 MB), written by
 * Keras as `model.weights.h5` and as a TensorFlow checkpoint, restored with loadWeights from each into the same
 * tfjs model. Medians of `runs` runs after a warm-up. Skipped, saying so, without Python TensorFlow.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

const WIDTH = 2048;
const DEPTH = 5;

export interface KerasFilesBench {
  bytes: number;
  h5Seconds: number[];
  checkpointSeconds: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchKerasFiles(
  dir: string,
  python: string,
  root: string,
  runs: number,
): Promise<{ lines: string[]; result: KerasFilesBench | null }> {
  if (!fs.existsSync(python)) return { lines: ['keras files: skipped (Python TensorFlow absent)'], result: null };
  const kdir = path.join(dir, 'keras-files');
  if (!fs.existsSync(path.join(kdir, 'ckpt.index'))) {
    execFileSync(python, [path.join(root, 'bench', 'keras_bench.py'), 'write', kdir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadWeights } = require('../dist') as typeof import('../src');
  // Keras files are read through the Keras entry, as in an app that loads them.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../dist/keras');
  const model = tf.sequential({
    layers: Array.from({ length: DEPTH }, (_, i) =>
      tf.layers.dense({ units: WIDTH, ...(i === 0 ? { inputShape: [WIDTH] } : {}) }),
    ),
  });
  const time = async (file: string): Promise<number[]> => {
    await loadWeights(model, file); // warm-up
    const out: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      (await loadWeights(model, file)).assertExistingObjectsMatched();
      out.push((performance.now() - t) / 1000);
    }
    return out;
  };
  const h5Seconds = await time(path.join(kdir, 'model.weights.h5'));
  const checkpointSeconds = await time(path.join(kdir, 'ckpt'));
  model.dispose();
  const bytes = DEPTH * (WIDTH * WIDTH + WIDTH) * 4;
  const h5 = median(h5Seconds);
  const ck = median(checkpointSeconds);
  const row = (name: string, s: number): string =>
    `${name.padEnd(34)} ${s.toFixed(3).padStart(8)} s ${(bytes / s / 1e9).toFixed(2).padStart(6)} GB/s`;
  return {
    lines: [
      `keras files: one Keras 3 model (${DEPTH} × Dense(${WIDTH}), ${(bytes / 1e6).toFixed(0)} MB) saved by Keras both ways, loadWeights into tfjs`,
      row('keras: .weights.h5 restore', h5),
      row('keras: TF checkpoint restore', ck),
      `keras: .weights.h5 / TF checkpoint ${(h5 / ck).toFixed(2)} ×`,
    ],
    result: { bytes, h5Seconds, checkpointSeconds },
  };
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const dir = process.env['TFJS_CHECKPOINT_BENCH_DIR'] ?? path.join(os.tmpdir(), 'tfjs-checkpoint-bench');
  const python = process.env['TFJS_CHECKPOINT_PYTHON'] ?? path.join(root, '.venv-tf', 'bin', 'python');
  benchKerasFiles(dir, python, root, Number(process.env['BENCH_RUNS'] ?? 5)).then(
    ({ lines }) => console.log(lines.join('\n')),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
