/**
 * The Keras 3 zoo (test/keras_zoo/generate.py), generated once per generator version into a gitignored folder by
 * whichever test file (or jest project: cpu and tensorflow run side by side) needs it first; the others wait for it
 * instead of writing the same files at the same time.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TF_PYTHON } from './tf';

const GENERATOR = path.resolve(__dirname, '..', 'keras_zoo', 'generate.py');
export const ZOO = path.join(
  path.dirname(GENERATOR),
  '.generated',
  createHash('sha256').update(fs.readFileSync(GENERATOR)).digest('hex').slice(0, 16),
);

/** Generating the zoo takes a few minutes on 2 cores; a lock older than this was left by a killed run. */
const STALE_LOCK_MS = 30 * 60_000;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Generates the zoo unless it is there (needs .venv-tf); returns when it is complete. */
export function ensureZoo(): void {
  const done = path.join(ZOO, 'DONE');
  const lock = `${ZOO}.lock`;
  fs.mkdirSync(path.dirname(ZOO), { recursive: true });
  const deadline = Date.now() + 2 * STALE_LOCK_MS;
  while (!fs.existsSync(done)) {
    try {
      fs.mkdirSync(lock);
    } catch {
      // Another process generates it: wait, unless its lock is stale.
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${lock}`);
      sleep(1000);
      continue;
    }
    try {
      if (fs.existsSync(done)) return;
      // Zoos of older generators are hundreds of MB each: only the current one is kept.
      const cache = path.dirname(ZOO);
      for (const old of fs.readdirSync(cache))
        if (old !== path.basename(ZOO) && old !== path.basename(lock))
          fs.rmSync(path.join(cache, old), { recursive: true, force: true });
      fs.rmSync(ZOO, { recursive: true, force: true });
      fs.mkdirSync(ZOO, { recursive: true });
      execFileSync(TF_PYTHON, [GENERATOR, ZOO], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, TF_ENABLE_ONEDNN_OPTS: '0', TF_CPP_MIN_LOG_LEVEL: '3' },
      });
      fs.writeFileSync(done, '');
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
}
