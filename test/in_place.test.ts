/**
 * Restores into the variables' own memory (issue 17), against TensorFlow 2.21's answers (test/fixtures): the CPU
 * and wasm backends overwrite values where they live and predict like Keras afterwards; shared values, backends
 * without JS-visible memory and `inPlace: false` get new memory as before; a file that changes between the verify
 * pass and the write pass gives an error naming what changed; `atomic: false` writes as it reads.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { Checkpoint, CheckpointError, CheckpointReader, inPlaceSupport, IOError, NodeFileSystem, PartialRestoreError, type RestoreOptions, setLogger } from '../src';
import { KERAS3 } from './helpers/keras3_models';
import { interceptDataReads } from './helpers/data_reads';
import { FIXTURES_DIR } from './helpers/shared';

const L = tf.layers;

/** Two of generate.py's Keras 3 models, with their TensorFlow oracles (restore.test.ts restores them all). */
const MODELS = { 'k3-sequential-dense-bn': KERAS3['k3-sequential-dense-bn']!, 'k3-functional-conv': KERAS3['k3-functional-conv']! } as Record<string, () => tf.LayersModel>;

interface Oracle {
  input: number[][];
  predictions: number[][];
  tensors: Array<{ key: string; sha256?: string }>;
}

function fixture(name: string): { prefix: string; oracle: Oracle } {
  return { prefix: path.join(FIXTURES_DIR, name, 'ckpt'), oracle: JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, name, '_TF_ORACLE.json'), 'utf8')) as Oracle };
}

function sha256(data: ArrayBufferView): string {
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

function dataIds(model: tf.LayersModel): object[] {
  return model.weights.map((w) => w.read().dataId);
}

async function snapshot(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map(async (w) => Float32Array.from((await w.read().data()) as Float32Array)));
}

/** Restores fixture `name` into a fresh model and checks it against TensorFlow: predictions and every weight's bytes. */
async function restoreAndJudge(name: string, options: RestoreOptions = { inPlace: true }): Promise<{ model: tf.LayersModel; before: object[] }> {
  const { prefix, oracle } = fixture(name);
  const model = MODELS[name]!();
  const before = dataIds(model);
  (await new Checkpoint({ model }).restore(prefix, options)).assertExistingObjectsMatched();
  const tfDigests = new Set(oracle.tensors.map((t) => t.sha256));
  for (const w of model.weights) expect([w.name, tfDigests.has(sha256(w.read().dataSync() as Float32Array))]).toEqual([w.name, true]);
  const predictions = tf.tidy(() => (model.predict(tf.tensor(oracle.input)) as tf.Tensor).arraySync() as number[][]);
  const diff = predictions.flat().reduce((m, x, i) => Math.max(m, Math.abs(x - oracle.predictions.flat()[i]!)), 0);
  expect(diff).toBeLessThan(1e-5);
  return { model, before };
}

let previousLogger: ReturnType<typeof setLogger>;
beforeAll(async () => {
  previousLogger = setLogger({ warn: () => undefined });
  // Importing the wasm backend registers it above the CPU backend: pick explicitly.
  await tf.setBackend('cpu');
});
afterAll(async () => {
  setLogger(previousLogger);
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'wasm'])('the %s backend restores in place', (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(Object.keys(MODELS))('%s: same memory, TensorFlow\'s values, Keras\'s predictions', async (name) => {
    const { model, before } = await restoreAndJudge(name);
    // Every weight kept its dataId: the bytes went into the memory it already had.
    expect(dataIds(model)).toEqual(before);
    for (const w of model.weights) expect(inPlaceSupport(w.read() as never).memory?.backend).toBe(backend);
    model.dispose();
  });

  it.each([{ inPlace: true }, { atomic: false }])('values of several read pieces land whole (%j)', async (options) => {
    // A 1.4 MB kernel: more than one piece buffer's worth, copied into place piece by piece.
    const make = (): tf.Sequential => tf.sequential({ layers: [L.dense({ units: 600, inputShape: [600] }), L.dense({ units: 3 })] });
    const source = make();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-inplace-big-'));
    try {
      const prefix = await new Checkpoint({ root: source }).write(path.join(dir, 'ckpt'));
      const model = make();
      const before = dataIds(model);
      (await new Checkpoint({ root: model }).restore(prefix, options)).assertConsumed();
      expect(dataIds(model)).toEqual(before);
      for (let i = 0; i < model.weights.length; i++) {
        expect(sha256(model.weights[i]!.read().dataSync() as Float32Array)).toBe(sha256(source.weights[i]!.read().dataSync() as Float32Array));
      }
      model.dispose();
    } finally {
      source.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes as it reads with atomic: false, to the same values', async () => {
    const { model, before } = await restoreAndJudge('k3-functional-conv', { atomic: false });
    expect(dataIds(model)).toEqual(before);
    model.dispose();
  });

  it('a value shared with another tensor gets new memory; the other tensor keeps the old value', async () => {
    const model = MODELS['k3-sequential-dense-bn']!();
    const kernel = model.weights[0]!.read().reshape([-1]); // shares the kernel's dataId on both backends
    const old = kernel.dataSync().slice();
    expect(inPlaceSupport(model.weights[0]!.read() as never).reason).toMatch(/shared with 1 other tensor/);
    const before = dataIds(model);
    (await new Checkpoint({ model }).restore(fixture('k3-sequential-dense-bn').prefix, { inPlace: true })).assertExistingObjectsMatched();
    const after = dataIds(model);
    expect(after[0]).not.toBe(before[0]);
    expect(after.slice(1)).toEqual(before.slice(1));
    expect(kernel.dataSync()).toEqual(old);
    kernel.dispose();
    model.dispose();
  });
});

describe('fallbacks keep the old path', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('a backend without JS-writable memory (registered under another name) assigns new values', async () => {
    // The CPU backend's code under a name the package does not know stands for WebGL, WebGPU or tfjs-node.
    const quiet = jest.spyOn(console, 'warn').mockImplementation(() => undefined); // its "install tfjs-node" hint
    tf.registerBackend('opaque-test', () => new MathBackendCPU(), 0);
    for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'opaque-test' });
    expect(await tf.setBackend('opaque-test')).toBe(true);
    const probe = MODELS['k3-functional-conv']!();
    expect(inPlaceSupport(probe.weights[0]!.read() as never).reason).toMatch(/opaque-test backend keeps values in memory JavaScript cannot write/);
    probe.dispose();
    const { model, before } = await restoreAndJudge('k3-functional-conv');
    dataIds(model).forEach((id, i) => expect(id).not.toBe(before[i]));
    model.dispose();
    quiet.mockRestore();
    await tf.setBackend('cpu');
  });

  it('inPlace: false gives every variable new memory, so arrays from dataSync() keep the old values', async () => {
    const model = MODELS['k3-sequential-dense-bn']!();
    const earlier = model.weights[0]!.read().dataSync();
    const copy = Float32Array.from(earlier);
    const before = dataIds(model);
    await new Checkpoint({ model }).restore(fixture('k3-sequential-dense-bn').prefix, { inPlace: false });
    dataIds(model).forEach((id, i) => expect(id).not.toBe(before[i]));
    expect(earlier).toEqual(copy);
    model.dispose();
  });

  it('without checksums an all-or-nothing restore allocates (nothing to verify first); atomic: false still writes in place', async () => {
    const first = await restoreAndJudge('k3-functional-conv', { verifyChecksums: false, inPlace: true });
    dataIds(first.model).forEach((id, i) => expect(id).not.toBe(first.before[i]));
    first.model.dispose();
    const second = await restoreAndJudge('k3-functional-conv', { verifyChecksums: false, atomic: false });
    expect(dataIds(second.model)).toEqual(second.before);
    second.model.dispose();
  });

  it('in place, on the CPU backend, arrays from dataSync() alias the variable and see the restored values', async () => {
    const model = MODELS['k3-sequential-dense-bn']!();
    const earlier = model.weights[0]!.read().dataSync();
    await new Checkpoint({ model }).restore(fixture('k3-sequential-dense-bn').prefix, { inPlace: true });
    expect(earlier).toBe(model.weights[0]!.read().dataSync());
    // …which are TensorFlow's values of that kernel.
    expect(fixture('k3-sequential-dense-bn').oracle.tensors.map((t) => t.sha256)).toContain(sha256(earlier as Float32Array));
    model.dispose();
  });
});

describe('failures', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-inplace-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Twelve dense layers: a model with many weights, its checkpoint and fresh copies to restore into. */
  async function manyWeights(sub: string, units = 32): Promise<{ prefix: string; fresh: () => tf.Sequential }> {
    const make = (): tf.Sequential =>
      tf.sequential({ layers: Array.from({ length: 12 }, (_, i) => L.dense({ units, ...(i === 0 ? { inputShape: [units] } : {}) })) });
    const source = make();
    const prefix = await new Checkpoint({ root: source }).write(path.join(dir, sub, 'ckpt'));
    source.dispose();
    return { prefix, fresh: make };
  }

  it('a data file that changes between the verify pass and the write pass: the error says so and names what changed', async () => {
    // Kernels of 100 KB: values that small are kept from the verify pass, not read twice.
    const { prefix, fresh } = await manyWeights('changed', 160);
    const model = fresh();
    const before = await snapshot(model);
    const reader = await CheckpointReader.open(prefix);
    const first = reader.entry('layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE');
    const dataFile = reader.dataFile('layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE');
    await reader.close();
    let changed = false;
    let readsOfFirst = 0;
    // The second read of the first kernel is the write pass's: rewrite a byte of it on disk just before.
    const fsys = interceptDataReads(new NodeFileSystem(), async (read, _path, offset, length, target) => {
      if (offset === first.offset && ++readsOfFirst === 2) {
        changed = true;
        const fd = fs.openSync(dataFile, 'r+');
        const byte = Buffer.alloc(1);
        fs.readSync(fd, byte, 0, 1, first.offset);
        byte[0]! ^= 0x5a;
        fs.writeSync(fd, byte, 0, 1, first.offset);
        fs.closeSync(fd);
      }
      return read(offset, length, target);
    });
    const err = await new Checkpoint({ root: model }).restore(prefix, { fs: fsys, inPlace: true }).catch((e: unknown) => e);
    expect(changed).toBe(true);
    expect(err).toBeInstanceOf(PartialRestoreError);
    const partial = err as PartialRestoreError;
    expect(partial.code).toBe('CHECKSUM');
    expect(partial.message).toMatch(/changed while it was being restored/);
    expect(partial.message).toMatch(/variable\(s\) hold new bytes, in full or in part: /);
    expect(partial.restored).toContain('(root).layer_with_weights-0.kernel');
    // Every variable the error does not name is as it was.
    const paths = model.weights.map((_, i) => `(root).layer_with_weights-${Math.floor(i / 2)}.${i % 2 === 0 ? 'kernel' : 'bias'}`);
    const after = await snapshot(model);
    paths.forEach((p, i) => {
      if (!partial.restored.includes(p)) expect([p, after[i]]).toEqual([p, before[i]]);
    });
    // The restore stopped at the change: the variables after the ones in flight were never written.
    expect(partial.restored.length).toBeLessThan(paths.length);
    model.dispose();
  });

  it.each([
    ['a read error', 'error'],
    ['a checksum failure', 'corrupt'],
  ] as const)('atomic: false, %s part-way: the variables written so far are named, the others are as they were', async (_name, mode) => {
    const { prefix, fresh } = await manyWeights(`stream-${mode}`);
    const model = fresh();
    const before = await snapshot(model);
    let reads = 0;
    const fsys = interceptDataReads(new NodeFileSystem(), async (read, p, offset, length, target) => {
      const n = ++reads;
      if (n === 12 && mode === 'error') throw new IOError(`injected read error in ${p}`, { file: p });
      const out = await read(offset, length, target);
      if (n === 12 && mode === 'corrupt') out[0]! ^= 0xff;
      return out;
    });
    const err = await new Checkpoint({ root: model }).restore(prefix, { fs: fsys, atomic: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialRestoreError);
    const partial = err as PartialRestoreError;
    expect(partial.code).toBe(mode === 'error' ? 'IO' : 'CHECKSUM');
    expect(partial.restored.length).toBeGreaterThan(0);
    const paths = model.weights.map((_, i) => `(root).layer_with_weights-${Math.floor(i / 2)}.${i % 2 === 0 ? 'kernel' : 'bias'}`);
    const after = await snapshot(model);
    expect(paths.filter((p, i) => !partial.restored.includes(p) && JSON.stringify(after[i]) !== JSON.stringify(before[i]))).toEqual([]);
    model.dispose();
  });

  it('atomic: false checks shapes from the index before its first write', async () => {
    const { prefix } = await manyWeights('shape');
    const model = tf.sequential({ layers: Array.from({ length: 12 }, (_, i) => L.dense({ units: i === 9 ? 31 : 32, ...(i === 0 ? { inputShape: [32] } : {}) })) });
    const before = await snapshot(model);
    const err = await new Checkpoint({ root: model }).restore(prefix, { atomic: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).code).toBe('MISMATCH');
    expect(err).not.toBeInstanceOf(PartialRestoreError);
    expect(await snapshot(model)).toEqual(before);
    model.dispose();
  });
});
