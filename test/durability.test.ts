/** Saves survive being killed: the latest checkpoint named by the state file is always complete and readable. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { Checkpoint, CheckpointManager, CheckpointReader, latestCheckpoint } from '../src';

const ROOT = path.resolve(__dirname, '..');

function runAndKill(dir: string, afterMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    // The child saves on this test's backend.
    const args = [path.join(ROOT, 'test', 'helpers', 'save_loop.js'), dir, tf.getBackend()];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let saves = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      saves += d.toString().split('\n').filter((l) => l.startsWith('saved')).length;
      // Kill at a random point once the loop is running (so kills land inside saves, not during start-up).
      if (timer === undefined) timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    });
    child.on('error', reject);
    child.on('exit', () => resolve(saves));
  });
}

describe('saves killed with SIGKILL at random points', () => {
  it('never leave an unreadable latest checkpoint, and abandoned temporaries are cleaned up', async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run npm run build (npm test does)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-kill-'));
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let total = 0;
    try {
      for (let round = 0; round < 8; round++) {
        total += await runAndKill(dir, Math.floor(random() * 120));
        const latest = await latestCheckpoint(dir);
        if (latest === null) continue;
        const reader = await CheckpointReader.open(latest);
        try {
          for (const key of reader.keys()) await reader.getTensor(key); // every crc verified
        } finally {
          await reader.close();
        }
      }
      expect(total).toBeGreaterThan(8);
      // The next save removes what killed saves left (temporaries of processes that no longer exist) and keeps
      // the retention policy.
      const abandoned = fs.readdirSync(dir).filter((f) => f.includes('.tmp-'));
      const v = tf.variable(tf.scalar(1));
      const saved = await new CheckpointManager(new Checkpoint({ v }), dir, { maxToKeep: 3 }).save();
      expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
      expect(await latestCheckpoint(dir)).toBe(saved);
      process.stdout.write(`durability: ${total} saves, 8 kills, ${abandoned.length} abandoned temporaries cleaned\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('concurrent saves into one directory', () => {
  it('leave a valid state file naming a complete checkpoint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-concurrent-'));
    try {
      const managers = [0, 1, 2].map((i) => {
        const v = tf.variable(tf.fill([256, 256], i));
        return new CheckpointManager(new Checkpoint({ v }), dir, { maxToKeep: 2, checkpointName: `run${i}` });
      });
      await Promise.all(managers.map(async (m) => {
        for (let k = 0; k < 5; k++) await m.save();
      }));
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
