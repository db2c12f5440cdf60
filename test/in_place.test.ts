/**
 * Restores into the variables' own memory (issue 17), against TensorFlow 2.21's answers (test/fixtures): the CPU
 * and wasm backends overwrite values where they live and predict like Keras afterwards; shared values, backends
 * without JS-visible memory and `inPlace: false` get new memory as before; a file that changes between the verify
 * pass and the write pass gives an error naming what changed, whether the write pass checks every crc32c again or
 * (a file that vouches for its bytes) compares the file's identity; `atomic: false` writes as it reads.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import {
  type ByteSource,
  Checkpoint,
  CheckpointError,
  CheckpointReader,
  type FileSystem,
  HttpFileSystem,
  inPlaceSupport,
  IOError,
  MemorySource,
  NodeFileSystem,
  PartialRestoreError,
  type RestoreOptions,
  setLogger,
  type TensorEntry,
} from '../src';
import { KERAS3 } from './helpers/keras3_models';
import { interceptDataReads } from './helpers/data_reads';
import { FIXTURES_DIR } from './helpers/shared';

const L = tf.layers;

/** Two of generate.py's Keras 3 models, with their TensorFlow oracles (restore.test.ts restores them all). */
const MODELS = {
  'k3-sequential-dense-bn': KERAS3['k3-sequential-dense-bn']!,
  'k3-functional-conv': KERAS3['k3-functional-conv']!,
} as Record<string, () => tf.LayersModel>;

interface Oracle {
  input: number[][];
  predictions: number[][];
  tensors: Array<{ key: string; sha256?: string }>;
}

function fixture(name: string): { prefix: string; oracle: Oracle } {
  return {
    prefix: path.join(FIXTURES_DIR, name, 'ckpt'),
    oracle: JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, name, '_TF_ORACLE.json'), 'utf8')) as Oracle,
  };
}

/** Flips bits of the byte at `offset` of `file` on disk (flipping it again puts it back). */
function flipByte(file: string, offset: number): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, offset);
    byte[0]! ^= 0x5a;
    fs.writeSync(fd, byte, 0, 1, offset);
  } finally {
    fs.closeSync(fd);
  }
}

function sha256(data: ArrayBufferView): string {
  return createHash('sha256')
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
}

function dataIds(model: tf.LayersModel): object[] {
  return model.weights.map((w) => w.read().dataId);
}

/** One index entry of the checkpoint at `prefix`, the reader closed again. */
async function entryOf(prefix: string, key: string): Promise<TensorEntry> {
  const reader = await CheckpointReader.open(prefix);
  try {
    return reader.entry(key);
  } finally {
    await reader.close();
  }
}

async function snapshot(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map(async (w) => Float32Array.from((await w.read().data()) as Float32Array)));
}

/** Restores fixture `name` into a fresh model and checks it against TensorFlow: predictions and every weight's bytes. */
async function restoreAndJudge(
  name: string,
  options: RestoreOptions = { inPlace: true },
): Promise<{ model: tf.LayersModel; before: object[] }> {
  const { prefix, oracle } = fixture(name);
  const model = MODELS[name]!();
  const before = dataIds(model);
  (await new Checkpoint({ model }).restore(prefix, { expectPartial: true, ...options })).assertExistingObjectsMatched();
  const tfDigests = new Set(oracle.tensors.map((t) => t.sha256));
  for (const w of model.weights)
    expect([w.name, tfDigests.has(sha256(w.read().dataSync() as Float32Array))]).toEqual([w.name, true]);
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

  it.each(Object.keys(MODELS))("%s: same memory, TensorFlow's values, Keras's predictions", async (name) => {
    const { model, before } = await restoreAndJudge(name);
    // Every weight kept its dataId: the bytes went into the memory it already had.
    expect(dataIds(model)).toEqual(before);
    for (const w of model.weights) expect(inPlaceSupport(w.read() as never).memory?.backend).toBe(backend);
    model.dispose();
  });

  it.each([{ inPlace: true }, { atomic: false }])('values of several read pieces land whole (%j)', async (options) => {
    // A 1.4 MB kernel: more than one piece buffer's worth, copied into place piece by piece.
    const make = (): tf.Sequential =>
      tf.sequential({ layers: [L.dense({ units: 600, inputShape: [600] }), L.dense({ units: 3 })] });
    const source = make();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-inplace-big-'));
    try {
      const prefix = await new Checkpoint({ root: source }).write(path.join(dir, 'ckpt'));
      const model = make();
      const before = dataIds(model);
      (await new Checkpoint({ root: model }).restore(prefix, options)).assertConsumed();
      expect(dataIds(model)).toEqual(before);
      for (let i = 0; i < model.weights.length; i++) {
        expect(sha256(model.weights[i]!.read().dataSync() as Float32Array)).toBe(
          sha256(source.weights[i]!.read().dataSync() as Float32Array),
        );
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
    (
      await new Checkpoint({ model }).restore(fixture('k3-sequential-dense-bn').prefix, {
        inPlace: true,
        expectPartial: true,
      })
    ).assertExistingObjectsMatched();
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
    expect(inPlaceSupport(probe.weights[0]!.read() as never).reason).toMatch(
      /opaque-test backend keeps values in memory JavaScript cannot write/,
    );
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
    await new Checkpoint({ model }).restore(fixture('k3-sequential-dense-bn').prefix, {
      inPlace: false,
      expectPartial: true,
    });
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
    await new Checkpoint({ model }).restore(fixture('k3-sequential-dense-bn').prefix, {
      inPlace: true,
      expectPartial: true,
    });
    expect(earlier).toBe(model.weights[0]!.read().dataSync());
    // …which are TensorFlow's values of that kernel.
    expect(fixture('k3-sequential-dense-bn').oracle.tensors.map((t) => t.sha256)).toContain(
      sha256(earlier as Float32Array),
    );
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
      tf.sequential({
        layers: Array.from({ length: 12 }, (_, i) => L.dense({ units, ...(i === 0 ? { inputShape: [units] } : {}) })),
      });
    const source = make();
    const prefix = await new Checkpoint({ root: source }).write(path.join(dir, sub, 'ckpt'));
    source.dispose();
    return { prefix, fresh: make };
  }

  it("a data file that cannot vouch for its bytes and changes between the passes: the write pass's checksums say so and name what changed", async () => {
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
        flipByte(dataFile, first.offset);
      }
      return read(offset, length, target);
    });
    const err = await new Checkpoint({ root: model })
      .restore(prefix, { fs: fsys, inPlace: true })
      .catch((e: unknown) => e);
    expect(changed).toBe(true);
    expect(err).toBeInstanceOf(PartialRestoreError);
    const partial = err as PartialRestoreError;
    expect(partial.code).toBe('CHECKSUM');
    expect(partial.message).toMatch(/changed while it was being restored/);
    expect(partial.message).toMatch(/variable\(s\) hold new bytes, in full or in part: /);
    expect(partial.restored).toContain('(root).layer_with_weights-0.kernel');
    // Every variable the error does not name is as it was.
    const paths = model.weights.map(
      (_, i) => `(root).layer_with_weights-${Math.floor(i / 2)}.${i % 2 === 0 ? 'kernel' : 'bias'}`,
    );
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
  ] as const)(
    'atomic: false, %s part-way: the variables written so far are named, the others are as they were',
    async (_name, mode) => {
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
      const err = await new Checkpoint({ root: model })
        .restore(prefix, { fs: fsys, atomic: false })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PartialRestoreError);
      const partial = err as PartialRestoreError;
      expect(partial.code).toBe(mode === 'error' ? 'IO' : 'CHECKSUM');
      expect(partial.restored.length).toBeGreaterThan(0);
      const paths = model.weights.map(
        (_, i) => `(root).layer_with_weights-${Math.floor(i / 2)}.${i % 2 === 0 ? 'kernel' : 'bias'}`,
      );
      const after = await snapshot(model);
      expect(
        paths.filter((p, i) => !partial.restored.includes(p) && JSON.stringify(after[i]) !== JSON.stringify(before[i])),
      ).toEqual([]);
      model.dispose();
    },
  );

  it('atomic: false checks shapes from the index before its first write', async () => {
    const { prefix } = await manyWeights('shape');
    const model = tf.sequential({
      layers: Array.from({ length: 12 }, (_, i) =>
        L.dense({ units: i === 9 ? 31 : 32, ...(i === 0 ? { inputShape: [32] } : {}) }),
      ),
    });
    const before = await snapshot(model);
    const err = await new Checkpoint({ root: model }).restore(prefix, { atomic: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).code).toBe('MISMATCH');
    expect(err).not.toBeInstanceOf(PartialRestoreError);
    expect(await snapshot(model)).toEqual(before);
    model.dispose();
  });
});

describe('a data file that vouches for its bytes (ByteSource.identity) is read in the write pass without checksums', () => {
  let dir: string;
  /** Two checkpoints of one model shape with different values, and the models that wrote them. */
  let ckpts: Array<{ prefix: string; model: tf.Sequential; dataFile: string }>;
  // Kernels of 100 KB (read twice, not kept from the verify pass) and biases of 640 B (kept).
  const make = (): tf.Sequential =>
    tf.sequential({
      layers: Array.from({ length: 6 }, (_, i) => L.dense({ units: 160, ...(i === 0 ? { inputShape: [160] } : {}) })),
    });
  const paths = Array.from(
    { length: 12 },
    (_, i) => `(root).layer_with_weights-${Math.floor(i / 2)}.${i % 2 === 0 ? 'kernel' : 'bias'}`,
  );
  const kernel0 = 'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-pinned-'));
    ckpts = [];
    for (const name of ['a', 'b']) {
      const model = make();
      const prefix = await new Checkpoint({ root: model }).write(path.join(dir, name, 'ckpt'));
      const reader = await CheckpointReader.open(prefix);
      ckpts.push({ prefix, model, dataFile: reader.dataFile(kernel0) });
      await reader.close();
    }
    // A file vouches for its bytes once its change time is old enough to differ from any later change's.
    await new Promise((resolve) => setTimeout(resolve, 1100));
  });
  afterAll(() => {
    for (const c of ckpts) c.model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The Node file system, with `before(offset, readsAtOffset)` called before each data-file read. */
  function watchedFs(before: (offset: number, readsAtOffset: number) => void): FileSystem {
    const base = new NodeFileSystem();
    const wrapped = Object.create(base) as FileSystem;
    wrapped.open = async (p: string): Promise<ByteSource> => {
      const src = await base.open(p);
      if (!p.includes('.data-')) return src;
      const counts = new Map<number, number>();
      const read = src.read.bind(src);
      // The source itself, so that it keeps its identity(): only its reads are watched.
      src.read = (offset, length, target) => {
        counts.set(offset, (counts.get(offset) ?? 0) + 1);
        before(offset, counts.get(offset) ?? 0);
        return read(offset, length, target);
      };
      return src;
    };
    return wrapped;
  }

  it('NodeFileSystem: a settled file has an identity, a write into it changes it, and an open file renamed over still reads as it was', async () => {
    const fresh = path.join(dir, 'fresh.bin');
    fs.writeFileSync(fresh, 'x');
    const freshSource = await new NodeFileSystem().open(fresh);
    // Changed a moment ago: a change within the same clock tick could leave its change time as it is.
    expect(await freshSource.identity?.()).toBeNull();
    await freshSource.close();

    const settled = path.join(dir, 'a', 'ckpt.index');
    const source = await new NodeFileSystem().open(settled);
    const pin = await source.identity?.();
    expect(pin).toMatch(/^\d+:\d+:\d+:\d+:\d+$/);
    const original = await source.read(0, 16);
    // Replaced by a rename, as TensorFlow writes checkpoints: the open file is still the one read.
    const copy = path.join(dir, 'b', 'ckpt.index');
    fs.copyFileSync(settled, `${settled}.keep`);
    fs.copyFileSync(copy, `${settled}.new`);
    fs.renameSync(`${settled}.new`, settled);
    expect(await source.read(0, 16)).toEqual(original);
    await source.close();
    fs.renameSync(`${settled}.keep`, settled);

    const other = await new NodeFileSystem().open(ckpts[1]!.dataFile);
    const otherPin = await other.identity?.();
    expect(otherPin).toMatch(/^\d+:/);
    // One byte rewritten in place, and written back: the bytes are the same, the identity is not.
    const fd = fs.openSync(ckpts[1]!.dataFile, 'r+');
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, 0);
    fs.writeSync(fd, byte, 0, 1, 0);
    fs.closeSync(fd);
    expect(await other.identity?.()).not.toBe(otherPin);
    await other.close();

    expect(await new MemorySource('m', new Uint8Array(4)).identity()).toBe('memory');
  });

  it.each(['cpu', 'wasm'])(
    'on the %s backend the values read unchecked land whole, in the same memory',
    async (backend) => {
      const a = ckpts[0]!;
      const source = await new NodeFileSystem().open(a.dataFile);
      expect(await source.identity?.()).toMatch(/^\d+:/);
      await source.close();
      expect(await tf.setBackend(backend)).toBe(true);
      try {
        const model = make();
        const before = dataIds(model);
        (await new Checkpoint({ root: model }).restore(a.prefix, { inPlace: true })).assertConsumed();
        expect(dataIds(model)).toEqual(before);
        model.weights.forEach((w, i) => {
          expect([paths[i], sha256(w.read().dataSync() as Float32Array)]).toEqual([
            paths[i],
            sha256(a.model.weights[i]!.read().dataSync() as Float32Array),
          ]);
        });
        model.dispose();
      } finally {
        await tf.setBackend('cpu');
      }
    },
  );

  it('a file changed in place between the passes: found after the write pass, by the identity and the bytes that landed; the error names what changed', async () => {
    const { prefix, dataFile } = ckpts[0]!;
    const first = await entryOf(prefix, kernel0);
    const model = make();
    // Set by the file system callback, which narrowing does not see.
    let changed = false as boolean;
    // The second read of the first kernel is the write pass's: rewrite a byte of it on disk just before.
    const fsys = watchedFs((offset, n) => {
      if (offset !== first.offset || n !== 2) return;
      changed = true;
      flipByte(dataFile, first.offset);
    });
    try {
      const err = await new Checkpoint({ root: model })
        .restore(prefix, { fs: fsys, inPlace: true })
        .catch((e: unknown) => e);
      expect(changed).toBe(true);
      expect(err).toBeInstanceOf(PartialRestoreError);
      const partial = err as PartialRestoreError;
      expect(partial.code).toBe('CHECKSUM');
      expect(partial.message).toMatch(
        /changed while it was being restored: the bytes of layer_with_weights-0\/kernel\S* read into the variable are not/,
      );
      // The write pass read every value without checksums (a write pass that checks them stops at the first
      // changed value); then the file's identity had changed, and the bytes that landed were checked.
      expect([...partial.restored].sort()).toEqual([...paths].sort());
      // The changed byte did land in the variable: the check after the write pass was needed.
      const restored = model.weights[0]!.read().dataSync() as Float32Array;
      const stored = ckpts[0]!.model.weights[0]!.read().dataSync() as Float32Array;
      expect(sha256(restored)).not.toBe(sha256(stored));
    } finally {
      // Put the byte back for the next test.
      if (changed) flipByte(dataFile, first.offset);
      model.dispose();
    }
  });

  it('a file replaced by a rename between the passes (its change time moves too): the restore reads the file it verified, and succeeds', async () => {
    const [a, b] = ckpts as [(typeof ckpts)[0], (typeof ckpts)[0]];
    // The test above rewrote a's data file: let it settle again, so it vouches for its bytes.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const first = await entryOf(a.prefix, kernel0);
    const model = make();
    let replaced = false;
    const fsys = watchedFs((offset, n) => {
      if (offset !== first.offset || n !== 2) return;
      replaced = true;
      fs.copyFileSync(a.dataFile, `${a.dataFile}.keep`);
      fs.copyFileSync(b.dataFile, `${a.dataFile}.new`);
      fs.renameSync(`${a.dataFile}.new`, a.dataFile);
    });
    try {
      (await new Checkpoint({ root: model }).restore(a.prefix, { fs: fsys, inPlace: true })).assertConsumed();
      expect(replaced).toBe(true);
      model.weights.forEach((w, i) => {
        expect([paths[i], sha256(w.read().dataSync() as Float32Array)]).toEqual([
          paths[i],
          sha256(a.model.weights[i]!.read().dataSync() as Float32Array),
        ]);
      });
    } finally {
      if (fs.existsSync(`${a.dataFile}.keep`)) fs.renameSync(`${a.dataFile}.keep`, a.dataFile);
      model.dispose();
    }
  });
});

describe('over HTTP, a strong ETag vouches for the bytes (every request is pinned to it)', () => {
  let server: http.Server;
  let base: string;
  let etag: string | null = null;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const file = path.join(FIXTURES_DIR, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      if (!file.startsWith(FIXTURES_DIR) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404).end();
        return;
      }
      const size = fs.statSync(file).size;
      const headers: Record<string, string | number> = etag === null ? {} : { etag };
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (req.method === 'HEAD' || m === null) {
        res.writeHead(200, { ...headers, 'content-length': size });
        if (req.method === 'HEAD') res.end();
        else fs.createReadStream(file).pipe(res);
        return;
      }
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), size - 1);
      res.writeHead(206, {
        ...headers,
        'content-range': `bytes ${start}-${end}/${size}`,
        'content-length': end - start + 1,
      });
      fs.createReadStream(file, { start, end }).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['"v1"', true],
    ['W/"v1"', false],
    [null, false],
  ] as const)(
    "ETag %s vouches for the bytes: %s; the in-place restore gives TensorFlow's values either way",
    async (tag, vouches) => {
      etag = tag;
      const name = 'k3-sequential-dense-bn';
      const fsys = new HttpFileSystem(base);
      const source = await fsys.open(`${name}/ckpt.index`);
      expect((await source.identity?.()) ?? null).toBe(vouches ? `"v1" ${source.size}` : null);
      await source.close();
      const model = MODELS[name]!();
      const before = dataIds(model);
      (
        await new Checkpoint({ model }).restore(`${name}/ckpt`, { fs: fsys, inPlace: true, expectPartial: true })
      ).assertExistingObjectsMatched();
      expect(dataIds(model)).toEqual(before);
      const tfDigests = new Set(fixture(name).oracle.tensors.map((t) => t.sha256));
      for (const w of model.weights)
        expect([w.name, tfDigests.has(sha256(w.read().dataSync() as Float32Array))]).toEqual([w.name, true]);
      model.dispose();
    },
  );
});
