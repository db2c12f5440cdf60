/** Saves survive being killed: the latest checkpoint named by the state file is always complete and readable. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { Checkpoint, CheckpointManager, CheckpointReader, latestCheckpoint } from '../src';

const ROOT = path.resolve(__dirname, '..');

type Mode = 'save' | 'overwrite' | 'manager';

/** Starts a save loop at step `first`, kills it `afterMs` after it is ready; returns the last step it reported. */
function runAndKill(dir: string, mode: Mode, first: number, afterMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    // The child saves on this test's backend.
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'test', 'helpers', 'save_loop.js'), dir, mode, String(first), tf.getBackend()],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let last = -1;
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), afterMs);
        const m = /^saved (\d+)$/.exec(line);
        if (m) last = Number(m[1]);
      }
    });
    child.on('error', reject);
    child.on('exit', () => resolve(last));
  });
}

/** The step every value of the checkpoint holds; fails on a damaged or mixed checkpoint. */
async function wholeCheckpointStep(prefix: string): Promise<number> {
  const reader = await CheckpointReader.open(prefix);
  try {
    for (const key of reader.keys()) await reader.getTensor(key); // every crc verified
    const step = Number((await reader.getTensor('step/.ATTRIBUTES/VARIABLE_VALUE')).data[0]);
    const w = (await reader.getTensor('w/.ATTRIBUTES/VARIABLE_VALUE')).data as Float32Array;
    if (!w.every((x) => x === step)) throw new Error(`${prefix}: values of several saves mixed (step ${step})`);
    return step;
  } finally {
    await reader.close();
  }
}

describe('saves killed with SIGKILL at random points', () => {
  // The write path is the same on every backend; on tfjs-node each child also loads TensorFlow's library (~1 s),
  // so that backend gets fewer kills.
  const KILLS = tf.getBackend() === 'tensorflow' ? 30 : 200;
  it(`never lose the previous checkpoint: ${KILLS} kills across save, overwrite and manager saves`, async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js')))
      throw new Error('dist/ is missing: run npm run build (npm test does)');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-kill-'));
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const modes: Mode[] = ['save', 'overwrite', 'manager'];
    const reported = new Map<Mode, number>(modes.map((m) => [m, 0]));
    let saves = 0;
    try {
      for (const mode of modes) fs.mkdirSync(path.join(root, mode));
      for (let round = 0; round < KILLS; round++) {
        const mode = modes[round % modes.length]!;
        const dir = path.join(root, mode);
        const before = reported.get(mode)!;
        const last = await runAndKill(dir, mode, before + 1, Math.floor(random() * 80));
        if (last >= 0) {
          saves += last - before;
          reported.set(mode, last);
        }
        const latest = mode === 'overwrite' ? path.join(dir, 'cp.ckpt') : await latestCheckpoint(dir);
        if (before === 0 && last < 0 && (latest === null || !fs.existsSync(`${latest}.index`))) continue;
        // The checkpoint found is whole and no older than the last save that finished.
        const step = await wholeCheckpointStep(latest!);
        expect(step).toBeGreaterThanOrEqual(reported.get(mode)!);
        expect(step).toBeLessThanOrEqual(reported.get(mode)! + 1);
      }
      // Some saves finish between kills (so "no older than the last finished save" is tested), whatever the load.
      expect(saves).toBeGreaterThan(KILLS / 20);
      // The next save removes what killed saves left (temporaries of processes that no longer exist) and keeps
      // the retention policy.
      const dir = path.join(root, 'manager');
      const abandoned = fs.readdirSync(dir).filter((f) => f.includes('.tmp-'));
      const v = tf.variable(tf.scalar(1));
      const saved = await new CheckpointManager(new Checkpoint({ v }), dir, { maxToKeep: 3 }).save(1_000_000);
      expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
      expect(await latestCheckpoint(dir)).toBe(saved);
      process.stdout.write(
        `durability: ${saves} saves, ${KILLS} kills, ${abandoned.length} abandoned temporaries cleaned\n`,
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('concurrent saves into one directory', () => {
  it('leave a valid state file naming a complete checkpoint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-concurrent-'));
    try {
      const managers = [0, 1, 2].map((i) => {
        const v = tf.variable(tf.fill([256, 256], i));
        return new CheckpointManager(new Checkpoint({ v }), dir, { maxToKeep: 2, checkpointName: `run${i}` });
      });
      await Promise.all(
        managers.map(async (m) => {
          for (let k = 0; k < 5; k++) await m.save();
        }),
      );
      const latest = await latestCheckpoint(dir);
      expect(latest).not.toBeNull();
      const reader = await CheckpointReader.open(latest!);
      for (const key of reader.keys()) await reader.getTensor(key);
      await reader.close();
      expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
      // Each manager kept its own two newest checkpoints.
      for (const m of managers) {
        expect(m.checkpoints).toHaveLength(2);
        for (const p of m.checkpoints) expect(fs.existsSync(`${p}.index`)).toBe(true);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
