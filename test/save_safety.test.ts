/**
 * Saves never lose the previous checkpoint: short writes are errors, an overwritten prefix stays readable at every
 * step, a manager records the new checkpoint before deleting old ones and runs its saves one at a time, and a
 * failed save leaves no temporaries and touches no unrelated file. TensorFlow judges what is written.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {
  Checkpoint,
  CheckpointManager,
  CheckpointReader,
  type FileSystem,
  IOError,
  latestCheckpoint,
  MemoryFileSystem,
  NodeFileSystem,
  type Restorable,
  restorableAttributes,
} from '../src';
import { Module } from './helpers/live';
import { tfAvailable, tfJudge } from './helpers/tf';

const ROOT = path.resolve(__dirname, '..');
const withTf = tfAvailable() ? it : it.skip;
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-safety-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Reads every tensor of a checkpoint (each crc32c verified); returns the values of `key`. */
async function readAll(prefix: string, key: string, fsys?: FileSystem): Promise<number[]> {
  const reader = await CheckpointReader.open(prefix, fsys ? { fs: fsys } : {});
  try {
    for (const k of reader.keys()) await reader.getTensor(k);
    return [...((await reader.getTensor(key)).data as Float32Array)];
  } finally {
    await reader.close();
  }
}

const V_KEY = 'v/.ATTRIBUTES/VARIABLE_VALUE';

/** A file system that records every change and can fail one chosen operation. */
class RecordingFileSystem extends MemoryFileSystem {
  readonly log: string[] = [];
  failOn: ((op: string, path: string) => boolean) | null = null;

  private check(op: string, p: string): void {
    this.log.push(`${op} ${p}`);
    if (this.failOn?.(op, p)) throw new IOError(`injected failure: ${op} ${p}`, { file: p });
  }

  override async writeFile(p: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    this.check('write', p);
    return super.writeFile(p, data);
  }

  override async rename(from: string, to: string): Promise<void> {
    this.check('rename', `${from} -> ${to}`);
    return super.rename(from, to);
  }

  override async remove(p: string): Promise<void> {
    this.check('remove', p);
    return super.remove(p);
  }
}

describe('overwriting a prefix', () => {
  it('puts the new data files beside the old ones and switches with the index rename', async () => {
    const mem = new RecordingFileSystem({});
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const ckpt = new Checkpoint({ v });
    await ckpt.write('/d/cp.ckpt', { fs: mem });
    expect(await mem.list('/d')).toEqual(['cp.ckpt.data-00000-of-00001', 'cp.ckpt.index']);
    v.assign(tf.tensor1d([4, 5, 6]));
    mem.log.length = 0;
    await ckpt.write('/d/cp.ckpt', { fs: mem });
    // No rename ever lands on a file that the current index reads.
    const renames = mem.log.filter((l) => l.startsWith('rename'));
    expect(renames.map((l) => l.split(' -> ')[1])).toEqual([
      '/d/cp.ckpt.data-00000-of-00002',
      '/d/cp.ckpt.data-00001-of-00002',
      '/d/cp.ckpt.index',
    ]);
    // The old data file goes only after the index is in place.
    expect(mem.log.indexOf('remove /d/cp.ckpt.data-00000-of-00001')).toBeGreaterThan(
      mem.log.findIndex((l) => l.endsWith('-> /d/cp.ckpt.index')),
    );
    expect(await mem.list('/d')).toEqual([
      'cp.ckpt.data-00000-of-00002',
      'cp.ckpt.data-00001-of-00002',
      'cp.ckpt.index',
    ]);
    expect(await readAll('/d/cp.ckpt', V_KEY, mem)).toEqual([4, 5, 6]);
    v.assign(tf.tensor1d([7, 8, 9]));
    await ckpt.write('/d/cp.ckpt', { fs: mem });
    expect(await mem.list('/d')).toEqual(['cp.ckpt.data-00000-of-00001', 'cp.ckpt.index']);
    expect(await readAll('/d/cp.ckpt', V_KEY, mem)).toEqual([7, 8, 9]);
  });

  it('keeps the previous checkpoint whole when any step of the save fails', async () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const ckpt = new Checkpoint({ v });
    const probe = new RecordingFileSystem({});
    await ckpt.write('/d/cp.ckpt', { fs: probe });
    probe.log.length = 0;
    await ckpt.write('/d/cp.ckpt', { fs: probe });
    const steps = probe.log.filter((l) => !l.startsWith('remove')).length;
    for (let step = 0; step < steps; step++) {
      const mem = new RecordingFileSystem({});
      v.assign(tf.tensor1d([1, 2, 3]));
      await ckpt.write('/d/cp.ckpt', { fs: mem });
      v.assign(tf.tensor1d([4, 5, 6]));
      let count = 0;
      mem.failOn = (op) => op !== 'remove' && count++ === step;
      await expect(ckpt.write('/d/cp.ckpt', { fs: mem })).rejects.toThrow(/injected failure/);
      expect(await readAll('/d/cp.ckpt', V_KEY, mem)).toEqual([1, 2, 3]);
      expect((await mem.list('/d')).filter((f) => f.includes('.tmp-'))).toEqual([]);
      expect(await mem.list('/d')).toEqual(['cp.ckpt.data-00000-of-00001', 'cp.ckpt.index']);
    }
  });

  withTf('TensorFlow reads an overwritten prefix (an empty extra data file included)', async () => {
    const root = new Module();
    (root as unknown as Record<string, unknown>)['a'] = tf.variable(tf.scalar(1.25));
    const ckpt = new Checkpoint({ root });
    const prefix = path.join(dir, 'cp.ckpt');
    await ckpt.write(prefix);
    (root as unknown as Record<string, tf.Variable>)['a']!.assign(tf.scalar(-3.5));
    await ckpt.write(prefix);
    expect(fs.readdirSync(dir).sort()).toEqual([
      'cp.ckpt.data-00000-of-00002',
      'cp.ckpt.data-00001-of-00002',
      'cp.ckpt.index',
    ]);
    const judged = tfJudge('module_restore', { prefix, spec: { module: [['a', { var: 0 }]] } });
    expect(judged['assert_consumed']).toBeNull();
    expect(judged['values']).toEqual({ '["a"]': -3.5 });
  });
});

describe('short writes', () => {
  it('a save beyond the file-size limit fails, and a manager keeps its last good checkpoint', () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js')))
      throw new Error('dist/ is missing: run npm run build (npm test does)');
    // A child under `ulimit -f 1024` (1 MiB): the first save fits, the second (4 MiB) gets a short write.
    const script = `
      const { Checkpoint, CheckpointManager } = require(${JSON.stringify(path.join(ROOT, 'dist'))});
      const tf = require('@tensorflow/tfjs');
      const save = (v, n) => new CheckpointManager(new Checkpoint({ v }), ${JSON.stringify(dir)}, { maxToKeep: 1 }).save(n);
      (async () => {
        await save(tf.variable(tf.fill([16], 7)), 1);
        try { await save(tf.variable(tf.fill([1 << 20], 8)), 2); console.log('saved'); } catch (e) { console.log(e.name + ': ' + e.message); }
      })();`;
    const run = spawnSync('bash', ['-c', 'ulimit -f 1024 && exec "$0" -e "$1"', process.execPath, script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.stderr.replace(/=+\n|Hi, looks like.*\n/g, '').trim()).toBe('');
    expect(run.stdout).toMatch(/^IOError: Failed to write .*ckpt-2\.data-00000-of-00001\.tmp-/m);
    return (async () => {
      const latest = await latestCheckpoint(dir);
      expect(latest).toBe(path.join(dir, 'ckpt-1'));
      expect(await readAll(latest!, V_KEY)).toEqual(new Array(16).fill(7));
      expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint', 'ckpt-1.data-00000-of-00001', 'ckpt-1.index']);
    })();
  });

  it('NodeFileSystem.writeFile writes every byte of many chunks', async () => {
    const chunks = Array.from({ length: 3000 }, (_, i) => new Uint8Array(17).fill(i & 255));
    const file = path.join(dir, 'many');
    await new NodeFileSystem().writeFile(file, chunks, { durable: true });
    const back = fs.readFileSync(file);
    expect(back.length).toBe(3000 * 17);
    expect(back[2999 * 17]).toBe(2999 & 255);
  });
});

describe('CheckpointManager', () => {
  it('names the new checkpoint in the state file before deleting old ones, and again after', async () => {
    const mem = new RecordingFileSystem({});
    const v = tf.variable(tf.scalar(1));
    const manager = new CheckpointManager(new Checkpoint({ v }), '/run', { maxToKeep: 1, fs: mem });
    await manager.save();
    mem.log.length = 0;
    await manager.save();
    const stateWrites = mem.log
      .map((l, i) => [l, i] as const)
      .filter(([l]) => /-> \/run\/checkpoint$/.test(l))
      .map(([, i]) => i);
    const deleteOld = mem.log.indexOf('remove /run/ckpt-1.index');
    expect(stateWrites).toHaveLength(2);
    expect(stateWrites[0]!).toBeLessThan(deleteOld);
    expect(stateWrites[1]!).toBeGreaterThan(deleteOld);
  });

  it('a failure while deleting old checkpoints leaves the new one named latest', async () => {
    const mem = new RecordingFileSystem({});
    const v = tf.variable(tf.scalar(1));
    const manager = new CheckpointManager(new Checkpoint({ v }), '/run', { maxToKeep: 1, fs: mem });
    await manager.save();
    mem.failOn = (op, p) => op === 'remove' && p === '/run/ckpt-1.index';
    await expect(manager.save()).rejects.toThrow(/injected failure/);
    expect(await latestCheckpoint('/run', { fs: mem })).toBe('/run/ckpt-2');
  });

  it('runs overlapping saves one after another', async () => {
    // A value whose reads take longer for earlier saves, so unserialised saves would finish out of order.
    let reads = 0;
    const value: Restorable = {
      shape: [],
      dtype: 'float32',
      prepare: () => ({ commit: () => undefined, discard: () => undefined }),
      read: async () => {
        const n = ++reads;
        await new Promise((resolve) => setTimeout(resolve, 40 - 10 * ((n - 1) % 3)));
        return { dtype: 'float32', shape: [], data: Float32Array.of(n) };
      },
    };
    const slow = { [restorableAttributes]: () => new Map([['VARIABLE_VALUE', value]]) };
    for (let round = 0; round < 10; round++) {
      const mem = new MemoryFileSystem({});
      const manager = new CheckpointManager(new Checkpoint({ v: slow }), '/run', { maxToKeep: 1, fs: mem });
      const saves = [manager.save(), manager.save(), manager.save()];
      expect(await Promise.all(saves)).toEqual(['/run/ckpt-1', '/run/ckpt-2', '/run/ckpt-3']);
      expect(await latestCheckpoint('/run', { fs: mem })).toBe('/run/ckpt-3');
      expect(await mem.list('/run')).toEqual(['checkpoint', 'ckpt-3.data-00000-of-00001', 'ckpt-3.index']);
      expect(await readAll('/run/ckpt-3', V_KEY, mem)).toEqual([reads]);
    }
  });
});

describe('temporary files', () => {
  it('a save removes only the temporaries of dead processes, never look-alike user files', async () => {
    const keep = ['notes.tmp-2024-final', 'ckpt-1.index.tmp-x', 'report.index.tmp-123-abc.txt'];
    for (const f of keep) fs.writeFileSync(path.join(dir, f), 'mine');
    // A temporary of a save whose process is gone (pid 2^22 + 1 is above Linux's pid_max default).
    const abandoned = `ckpt-9.data-00000-of-00001.tmp-${(1 << 22) + 1}-abc`;
    fs.writeFileSync(path.join(dir, abandoned), 'left by a killed save');
    await new CheckpointManager(new Checkpoint({ v: tf.variable(tf.scalar(1)) }), dir).save();
    for (const f of keep) expect(fs.existsSync(path.join(dir, f))).toBe(true);
    expect(fs.existsSync(path.join(dir, abandoned))).toBe(false);
  });
});
