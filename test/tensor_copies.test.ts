/**
 * How many times a restored value is copied on its way to the backend: none in this package. The buffer a tensor's
 * bytes are read into from the data file becomes the backend's value of the variable. On tfjs-node, TensorFlow
 * takes one copy of it into a tensor of its own when an op first reads the variable (its binding has no way to
 * lend JS memory to TensorFlow), and the JS buffer is released.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { Checkpoint, NodeFileSystem } from '../src';
import { interceptDataReads } from './helpers/data_reads';

/** What the active backend stores for a tensor: tfjs-node and the CPU backend keep both a DataStorage by dataId. */
interface Stored {
  values: { buffer: ArrayBufferLike } | null;
  id?: number;
}
function stored(t: tf.Tensor): Stored {
  const backend = tf.backend() as unknown as {
    tensorMap?: { get(id: object): Stored };
    data?: { get(id: object): Stored };
  };
  const storage = backend.tensorMap ?? backend.data;
  if (storage === undefined) throw new Error(`unknown storage in backend ${tf.getBackend()}`);
  return storage.get(t.dataId);
}

describe(`restored values on the ${tf.getBackend()} backend`, () => {
  let dir: string;
  const values = {
    kernel: tf.tensor2d([
      [1.5, -2.25, 3],
      [4, 5.125, -6],
    ]),
    steps: tf.tensor1d([7, -8, 2147483647], 'int32'),
    mask: tf.tensor1d([true, false, true], 'bool'),
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-copies-'));
    const saved = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, tf.variable(v)]));
    await new Checkpoint(saved).write(path.join(dir, 'ckpt'));
    tf.dispose(Object.values(saved));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('are the very buffers the data file was read into (float32, int32, bool)', async () => {
    const readInto = new Set<ArrayBufferLike>();
    const files = interceptDataReads(new NodeFileSystem(), async (read, _path, offset, length, target) => {
      const out = await read(offset, length, target);
      readInto.add(out.buffer);
      return out;
    });
    const live = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, tf.variable(tf.zerosLike(v))]));
    (await new Checkpoint(live).restore(path.join(dir, 'ckpt'), { fs: files })).assertConsumed();

    for (const [name, v] of Object.entries(live)) {
      const held = stored(v);
      expect([name, held.values !== null && readInto.has(held.values.buffer)]).toEqual([name, true]);
      expect([name, await v.array()]).toEqual([name, await values[name as keyof typeof values].array()]);
    }
    if (tf.getBackend() === 'tensorflow') {
      // The first op that reads a variable hands its value to TensorFlow (its one copy) and drops the JS buffer.
      for (const v of Object.values(live)) {
        tf.reshape(v, [-1]).dispose();
        expect(stored(v).values).toBeNull();
        expect(stored(v).id).toBeGreaterThanOrEqual(0);
      }
    }
    tf.dispose(Object.values(live));
  });
});
