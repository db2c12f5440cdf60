/**
 * Hostile files and faults: a seeded fuzz run, restores that change nothing when something fails part-way, and
 * no leaked file handles or tfjs tensors on any path.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {
  type ByteSource,
  Checkpoint,
  CheckpointError,
  CheckpointReader,
  CheckpointView,
  type FileSystem,
  IOError,
  listVariables,
  MemoryFileSystem,
  NodeFileSystem,
  setLogger,
} from '../src';
import { fuzz, loadSeeds } from './fuzz/harness';
import { interceptDataReads } from './helpers/data_reads';
import { CORPUS_DIR, FIXTURES_DIR } from './helpers/shared';

let previousLogger: ReturnType<typeof setLogger>;
beforeAll(() => {
  previousLogger = setLogger({ warn: () => undefined });
});
afterAll(() => setLogger(previousLogger));

describe('fuzzing (short seeded run; `npm run fuzz` runs 100,000)', () => {
  it('every input succeeds or fails with a typed error, quickly and within memory bounds', async () => {
    const seeds = loadSeeds([CORPUS_DIR, FIXTURES_DIR]);
    expect(seeds.length).toBeGreaterThan(10);
    const report = await fuzz(seeds, 1500, 42, tf);
    expect(report.failures).toEqual([]);
    expect(report.inputs).toBe(1500);
    // The run reaches deep: corrupt data, bad checksums and unsupported values are all met, and many mutants read.
    expect(report.outcomes['typed:CORRUPT']).toBeGreaterThan(100);
    expect(report.outcomes['typed:CHECKSUM']).toBeGreaterThan(10);
    expect(report.outcomes['ok']).toBeGreaterThan(100);
    expect(report.slowest.ms).toBeLessThan(2000);
  });
});

/** A model with many weights, its checkpoint and a fresh copy to restore into. */
async function modelAndCheckpoint(dir: string): Promise<{ prefix: string; fresh: () => tf.Sequential }> {
  const make = (): tf.Sequential =>
    tf.sequential({
      layers: Array.from({ length: 12 }, (_, i) =>
        tf.layers.dense({ units: 32, ...(i === 0 ? { inputShape: [32] } : {}) }),
      ),
    });
  const source = make();
  const prefix = await new Checkpoint({ root: source }).write(path.join(dir, 'ckpt'), { maxShardSize: 8000 });
  return { prefix, fresh: make };
}

async function snapshot(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map((w) => w.read().data() as Promise<Float32Array>));
}

/**
 * Wraps a file system so the Nth read from a data file fails, or returns damaged bytes. With `pieceSize`, tensors
 * are read in pieces of that size (as local files read large tensors), so the fault lands inside a tensor.
 */
function faulty(base: FileSystem, failAt: number, mode: 'error' | 'corrupt', pieceSize?: number): FileSystem {
  let reads = 0;
  return interceptDataReads(
    base,
    async (read, path, offset, length, target) => {
      const n = ++reads;
      if (n === failAt && mode === 'error') throw new IOError(`injected read error in ${path}`, { file: path });
      const out = await read(offset, length, target);
      if (n === failAt && mode === 'corrupt' && out.length > 0) out[0]! ^= 0xff;
      return out;
    },
    pieceSize,
  );
}

describe('restores are all or nothing under faults', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-faults-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['a read error', 'error', undefined],
    ['a checksum failure', 'corrupt', undefined],
    ['a read error inside a tensor read in pieces', 'error', 1000],
    ['a damaged piece of a tensor', 'corrupt', 1000],
  ] as const)(
    '%s part-way through leaves every variable as it was and leaks no tensor',
    async (_name, mode, pieceSize) => {
      const { prefix, fresh } = await modelAndCheckpoint(path.join(dir, `${mode}-${pieceSize ?? 'whole'}`));
      // Both all-or-nothing modes: values verified, then written in place (inPlace: true), and values read into new
      // memory, then assigned.
      for (const inPlace of [true, false]) {
        const codes: string[] = [];
        for (const failAt of [1, 7, 15]) {
          const model = fresh();
          const before = await snapshot(model);
          const tensors = tf.memory().numTensors;
          const fs = faulty(new NodeFileSystem(), failAt, mode, pieceSize);
          const err = await new Checkpoint({ root: model }).restore(prefix, { fs, inPlace }).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(CheckpointError);
          codes.push((err as CheckpointError).code);
          expect(await snapshot(model)).toEqual(before);
          expect(tf.memory().numTensors).toBe(tensors);
          model.dispose();
        }
        // Damaged bytes are caught by a checksum, or earlier by the string layout (the object graph is read first).
        if (mode === 'error') expect(codes).toEqual(['IO', 'IO', 'IO']);
        else expect(codes.slice(1)).toEqual(['CHECKSUM', 'CHECKSUM']);
      }
    },
  );

  it('a shape mismatch in the middle of the model changes nothing either', async () => {
    const { prefix } = await modelAndCheckpoint(path.join(dir, 'shape'));
    const model = tf.sequential({
      layers: Array.from({ length: 12 }, (_, i) =>
        tf.layers.dense({ units: i === 6 ? 31 : 32, ...(i === 0 ? { inputShape: [32] } : {}) }),
      ),
    });
    const before = await snapshot(model);
    const tensors = tf.memory().numTensors;
    await expect(new Checkpoint({ root: model }).restore(prefix, { atomic: false })).rejects.toThrow(
      /^Received incompatible tensor/,
    );
    await expect(new Checkpoint({ root: model }).restore(prefix)).rejects.toThrow(
      /^Received incompatible tensor with shape \(32(, 32)?,?\) when attempting to restore variable with shape \(3[12](, 3[12])?,?\) and name \(root\)\.layer_with_weights-[67]\.(kernel|bias)\.$/,
    );
    expect(await snapshot(model)).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});

describe('resource hygiene', () => {
  /** A file system that counts handles open now. */
  function counting(): { fs: FileSystem; open: () => number } {
    let open = 0;
    const base = new NodeFileSystem();
    const wrapped = Object.create(base) as FileSystem;
    wrapped.open = async (p: string): Promise<ByteSource> => {
      const src = await base.open(p);
      open++;
      let closed = false;
      return {
        name: src.name,
        size: src.size,
        read: (o, l, t) => src.read(o, l, t),
        close: async () => {
          if (!closed) open--;
          closed = true;
          await src.close();
        },
      };
    };
    return { fs: wrapped, open: () => open };
  }

  it('closes every file on success and failure paths', async () => {
    const c = counting();
    const sharded = path.join(FIXTURES_DIR, 'sharded', 'ckpt');
    await listVariables(sharded, { fs: c.fs });
    const reader = await CheckpointReader.open(sharded, { fs: c.fs });
    for (const k of reader.keys()) await reader.getTensor(k);
    expect(c.open()).toBeGreaterThan(1);
    await reader.close();
    expect(c.open()).toBe(0);
    await CheckpointView.open(path.join(FIXTURES_DIR, 'seed-diff', 'tf_ckpts-1'), { fs: c.fs });
    await expect(
      CheckpointView.open(path.join(FIXTURES_DIR, 'name-based', 'model.ckpt'), { fs: c.fs }),
    ).rejects.toThrow(/does not appear to be object-based/);
    // A checkpoint whose data file is missing.
    const lonely = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-lonely-'));
    fs.copyFileSync(path.join(FIXTURES_DIR, 'seed-diff', 'tf_ckpts-1.index'), path.join(lonely, 'c.index'));
    await expect(CheckpointView.open(path.join(lonely, 'c'), { fs: c.fs })).rejects.toThrow(/No such file/);
    await expect(
      new Checkpoint({ root: { a_var: tf.variable(tf.scalar(0)) } }).restore(path.join(lonely, 'c'), { fs: c.fs }),
    ).rejects.toThrow(/No such file/);
    fs.rmSync(lonely, { recursive: true });
    // A corrupt index.
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-bad-'));
    fs.writeFileSync(path.join(bad, 'c.index'), 'not a table');
    await expect(CheckpointReader.open(path.join(bad, 'c'), { fs: c.fs })).rejects.toThrow(
      /too short to be an sstable/,
    );
    fs.rmSync(bad, { recursive: true });
    expect(c.open()).toBe(0);
  });

  it('open, match, diff and restore leak no tfjs tensors', async () => {
    const prefix = path.join(FIXTURES_DIR, 'k3-sequential-dense-bn', 'ckpt');
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 16, activation: 'relu', inputShape: [6] }),
        tf.layers.batchNormalization(),
        tf.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.001), loss: 'meanSquaredError' });
    const root = new Checkpoint({ model });
    const view = await CheckpointView.open(prefix);
    // The first restore creates the optimizer's slot variables (new state, as in TF); count from the second.
    (await root.restore(prefix)).assertConsumed();
    const tensors = tf.memory().numTensors;
    view.match(root);
    view.diff(root);
    (await root.restore(prefix)).assertConsumed();
    const mem = new MemoryFileSystem();
    await root.write('/m/ckpt', { fs: mem, layout: 'keras3' });
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
