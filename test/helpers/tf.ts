/**
 * Runs test/tf_judge.py with Python TensorFlow 2.21 (TFJS_CHECKPOINT_PYTHON, or .venv-tf made by
 * scripts/setup-tf.sh). Tests that need it skip, saying so, when it is absent; CI installs it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
export const TF_PYTHON = process.env['TFJS_CHECKPOINT_PYTHON'] ?? path.join(ROOT, '.venv-tf', 'bin', 'python');

let available: boolean | null = null;

export function tfAvailable(): boolean {
  if (available === null) {
    available = fs.existsSync(TF_PYTHON);
    if (!available)
      process.stderr.write(
        `\nSKIPPED: TensorFlow-judged tests need Python TensorFlow at ${TF_PYTHON} (bash scripts/setup-tf.sh)\n`,
      );
  }
  return available;
}

// What the Python judge prints depends on the command, so the caller names the shape it reads.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function tfJudge<T = Record<string, unknown>>(command: string, args: object): T {
  const out = execFileSync(TF_PYTHON, [path.join(ROOT, 'test', 'tf_judge.py'), command, JSON.stringify(args)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}
