/** The tfjs conversion policy, judged by numpy's casts of the same checkpoint values. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { CheckpointReader, halfToFloat, toTfjsTensor, toTfjsValues, type TensorValue, UnsupportedError } from '../src';
import { FIXTURES_DIR } from './helpers/shared';

const prefix = path.join(FIXTURES_DIR, 'dtypes', 'ckpt');
const expected = (
  JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, 'dtypes', '_TF_ORACLE.json'), 'utf8')) as {
    tfjs_conversion: Record<string, string>;
  }
).tfjs_conversion;

describe('tfjs conversion policy', () => {
  let reader: CheckpointReader;
  beforeAll(async () => {
    reader = await CheckpointReader.open(prefix);
  });
  afterAll(() => reader.close());

  it.each(Object.keys(expected))('%s converts as numpy casts it', async (key) => {
    const value = await reader.getTensor(key);
    if (expected[key] === 'error') {
      expect(() => toTfjsValues(value, key)).toThrow(UnsupportedError);
      expect(() => toTfjsValues(value, key)).toThrow(
        new RegExp(
          `^${key.replace(/[./]/g, '\\$&')}: ${value.dtype} value -?\\d+ at index \\d+ does not fit tfjs int32`,
        ),
      );
      return;
    }
    const v = toTfjsValues(value, key);
    const data = v.values as Exclude<typeof v.values, Uint8Array[]>;
    const digest = createHash('sha256')
      .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      .digest('hex');
    expect(digest).toBe(expected[key]);
  });

  it('converts int64/uint64 when every value fits', () => {
    const v: TensorValue = { dtype: 'int64', shape: [3], data: BigInt64Array.of(-5n, 0n, 2147483647n) };
    expect(toTfjsValues(v)).toEqual({ dtype: 'int32', shape: [3], values: Int32Array.of(-5, 0, 2147483647) });
  });

  it('decodes half floats exactly', () => {
    expect([0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0xfc00].map(halfToFloat)).toEqual([
      0,
      -0,
      1,
      -2,
      65504,
      2 ** -24,
      2 ** -14,
      Infinity,
      -Infinity,
    ]);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('makes tfjs tensors of every dtype tfjs has', async () => {
    const before = tf.memory().numTensors;
    const f16 = toTfjsTensor(await reader.getTensor('zoo/float16/.ATTRIBUTES/VARIABLE_VALUE'));
    expect(f16.dtype).toBe('float32');
    expect(f16.shape).toEqual([2, 5]);
    expect(Array.from(await f16.data()).slice(0, 4)).toEqual([0, -0, 1, 65504]);
    const c = toTfjsTensor(await reader.getTensor('zoo/complex64/.ATTRIBUTES/VARIABLE_VALUE'));
    expect(c.dtype).toBe('complex64');
    expect(Array.from(await tf.real(c).data()).slice(0, 2)).toEqual([1, -3.5]);
    const s = toTfjsTensor(await reader.getTensor('strings/matrix/.ATTRIBUTES/VARIABLE_VALUE'));
    expect(s.dtype).toBe('string');
    expect(await s.array()).toEqual([
      ['a', '', 'ccc'],
      ['\u0000', 'e'.repeat(200), 'f'],
    ]);
    const b = toTfjsTensor(await reader.getTensor('zoo/bool/.ATTRIBUTES/VARIABLE_VALUE'));
    expect(b.dtype).toBe('bool');
    expect(await b.array()).toEqual([
      [1, 0, 1],
      [0, 0, 1],
    ]);
    tf.dispose([f16, c, s, b]);
    // tf.real above leaves one tensor; everything else is released.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 1);
  });
});
