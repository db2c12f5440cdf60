/** Checkpoints over HTTP with Range requests (a loopback server standing in for a CDN or model hub). */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {
  Checkpoint,
  CheckpointReader,
  CheckpointView,
  HttpFileSystem,
  latestCheckpoint,
  NotFoundError,
  UnsupportedError,
} from '../src';
import { FIXTURES_DIR } from './helpers/shared';
import { readExpectedPredictions } from './helpers/json';

const ROOT = path.resolve(__dirname, '..');
let server: http.Server;
let base: string;
const requests: Array<{ method: string; url: string; range: string | undefined }> = [];
let honourRange = true;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const file = path.join(ROOT, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    requests.push({ method: req.method!, url: req.url!, range: req.headers.range });
    if (!file.startsWith(ROOT) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const size = fs.statSync(file).size;
    const m = honourRange ? /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '') : null;
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': size }).end();
    } else if (m) {
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), size - 1);
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1 });
      fs.createReadStream(file, { start, end }).pipe(res);
    } else {
      res.writeHead(200, { 'content-length': size });
      fs.createReadStream(file).pipe(res);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  requests.length = 0;
  honourRange = true;
});

const rel = (p: string): string => path.relative(ROOT, p).split(path.sep).join('/');

describe('HttpFileSystem', () => {
  it('opens a sharded checkpoint reading only the index, then one range per tensor', async () => {
    const fsys = new HttpFileSystem(base);
    const prefix = rel(path.join(FIXTURES_DIR, 'sharded', 'ckpt'));
    const reader = await CheckpointReader.open(prefix, { fs: fsys });
    expect(requests.every((r) => r.url.endsWith('.index'))).toBe(true);
    const local = await CheckpointReader.open(path.join(FIXTURES_DIR, 'sharded', 'ckpt'));
    requests.length = 0;
    const small = await reader.getTensor('small/.ATTRIBUTES/VARIABLE_VALUE');
    expect(small).toEqual(await local.getTensor('small/.ATTRIBUTES/VARIABLE_VALUE'));
    // One range of the data file; opening it re-validates the index with a one-byte conditional request.
    const gets = requests.filter((r) => r.method === 'GET');
    expect(gets.filter((r) => r.url.includes('.data-'))).toHaveLength(1);
    expect(gets.find((r) => r.url.includes('.data-'))!.range).toMatch(/^bytes=\d+-\d+$/);
    expect(gets.filter((r) => r.url.endsWith('.index')).map((r) => r.range)).toEqual(['bytes=0-0']);
    // A tensor cut into slices across shards is reassembled from ranges of several files.
    expect(await reader.getTensor('big/.ATTRIBUTES/VARIABLE_VALUE')).toEqual(
      await local.getTensor('big/.ATTRIBUTES/VARIABLE_VALUE'),
    );
    await Promise.all([reader.close(), local.close()]);
  });

  it('serves CheckpointView, latestCheckpoint and restores into a tfjs model', async () => {
    const fsys = new HttpFileSystem(base);
    const view = await CheckpointView.open(rel(path.join(FIXTURES_DIR, 'seed-diff', 'tf_ckpts-1')), { fs: fsys });
    expect(view.descendants()).toHaveLength(15);
    const dir = rel(path.join(ROOT, 'examples', 'data', 'mlp'));
    expect(await latestCheckpoint(dir, { fs: fsys })).toBe(`${dir}/ckpt-1`);
    const input = tf.input({ shape: [4] });
    const hidden = tf.layers.dense({ units: 8, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({
      inputs: input,
      outputs: tf.layers.dense({ units: 3, activation: 'softmax' }).apply(hidden) as tf.SymbolicTensor,
    });
    (await new Checkpoint({ model }).restore(`${dir}/ckpt-1`, { fs: fsys }))
      .expectPartial()
      .assertExistingObjectsMatched();
    const expected = readExpectedPredictions(path.join(ROOT, 'examples', 'data', 'mlp', 'expected.json'));
    const p = (await (model.predict(tf.tensor(expected.input)) as tf.Tensor).array()) as number[][];
    expect(Math.abs(p[0]![0]! - expected.predictions[0]![0]!)).toBeLessThan(1e-5);
  });

  it('copes with servers that ignore Range, and reports missing files and writes clearly', async () => {
    honourRange = false;
    const fsys = new HttpFileSystem(base);
    const value = await (
      await CheckpointReader.open(rel(path.join(FIXTURES_DIR, 'dtypes', 'ckpt')), { fs: fsys })
    ).getTensor('zoo/int8/.ATTRIBUTES/VARIABLE_VALUE');
    expect([...(value.data as Int8Array)]).toEqual([-128, 127, 0, -1]);
    await expect(CheckpointReader.open('nope/ckpt', { fs: fsys })).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      new Checkpoint({ v: tf.variable(tf.scalar(1)) }).write('out/ckpt', { fs: fsys }),
    ).rejects.toBeInstanceOf(UnsupportedError);
  });
});
