/**
 * HttpFileSystem against a misbehaving loopback server: directories, merged range runs, partial reads counted at
 * the server, and every fault (dropped connection, 200 instead of 206, wrong Content-Range, 503, stall, file
 * replaced mid-read, no HEAD, no Content-Length, gzip, another origin, abort) either recovered or failed as a
 * CheckpointError naming the URL, with no variable changed and no tensor leaked. Values are TensorFlow's
 * (_TF_ORACLE.json list_variables and sha256 of tensor bytes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {
  Checkpoint,
  CheckpointError,
  CheckpointReader,
  CheckpointView,
  HttpFileSystem,
  InvalidArgumentError,
  IOError,
  listVariables,
  setLogger,
} from '../src';
import type { HttpFileSystemOptions } from '../src/io/http';
import { FaultServer, type Fault } from './helpers/fault_server';
import { CORPUS_DIR, corpusAvailable, FIXTURES_DIR, type Oracle } from './helpers/shared';
import { tensorSha256 } from './helpers/values';

const ROOT = path.resolve(__dirname, '..');
const MLP_DIR = 'corpus/keras-mlp-tiny-mnist-sharded';
const SKIP = corpusAvailable() ? null : `the ../shared corpus is absent (${CORPUS_DIR})`;
if (SKIP) console.warn(`http_faults.test.ts skipped: ${SKIP}`);
const maybe = SKIP ? describe.skip : describe;

const server = new FaultServer({
  '/corpus': CORPUS_DIR,
  '/fixtures': FIXTURES_DIR,
  '/examples': path.join(ROOT, 'examples', 'data'),
});
const elsewhere = new FaultServer({});
const warnings: string[] = [];
let previousLogger: ReturnType<typeof setLogger>;

beforeAll(async () => {
  await Promise.all([server.start(), elsewhere.start()]);
  previousLogger = setLogger({ warn: (m) => warnings.push(m) });
});
afterAll(async () => {
  setLogger(previousLogger);
  await Promise.all([server.stop(), elsewhere.stop()]);
});
beforeEach(() => {
  server.reset();
  elsewhere.reset();
  warnings.length = 0;
});

/** Short timeouts and backoff, so fault cases stay bounded. */
function httpFs(options: HttpFileSystemOptions = {}): HttpFileSystem {
  return new HttpFileSystem(server.base, {
    retryDelayMs: 5,
    idleTimeoutMs: 400,
    requestTimeoutMs: 5000,
    retries: 2,
    ...options,
  });
}

function oracleOf(dir: string): Oracle {
  return JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, path.basename(dir), '_TF_ORACLE.json'), 'utf8')) as Oracle;
}

/** Every tensor of `dir`, read together (one restore's worth of reads), as [key, sha256]. */
async function readAll(
  fsys: HttpFileSystem,
  dir: string,
  options: { verifyChecksums?: boolean } = {},
): Promise<Array<[string, string]>> {
  const reader = await CheckpointReader.open(dir, { fs: fsys, ...options });
  try {
    const keys = reader.keys();
    const out = new Array<[string, string]>(keys.length);
    await reader.getTensors(keys, (i, v) => (out[i] = [keys[i]!, tensorSha256(v)]));
    return out;
  } finally {
    await reader.close();
  }
}

const dataGets = (s: FaultServer): typeof s.log => s.log.filter((r) => r.method === 'GET' && /\.data-/.test(r.path));

maybe('HttpFileSystem over a loopback server', () => {
  it('reads a directory through its state file with TF’s list_variables, tensor bytes and object graph', async () => {
    const fsys = httpFs();
    const oracle = oracleOf(MLP_DIR);
    expect(await listVariables(MLP_DIR, { fs: fsys })).toEqual(oracle.list_variables);
    expect(await readAll(fsys, MLP_DIR)).toEqual(oracle.tensors!.map((t) => [t.key, t.sha256]));
    expect((await CheckpointView.open(MLP_DIR, { fs: fsys })).numNodes).toBe(oracle.num_nodes);
  });

  it('fetches each contiguous run of needed bytes with one request', async () => {
    const fsys = httpFs({ mergeGapBytes: 0 });
    const dir = 'corpus/keras-lstm-rmsprop-sharded';
    const local = await CheckpointReader.open(path.join(CORPUS_DIR, path.basename(dir)));
    // Runs of touching tensors per shard, from the index.
    const byShard = new Map<number, Array<[number, number]>>();
    for (const k of local.keys()) {
      const e = local.entry(k);
      if (e.size === 0 || e.slices.length > 0) continue;
      byShard.set(e.shardId, [...(byShard.get(e.shardId) ?? []), [e.offset, e.offset + e.size]]);
    }
    let runs = 0;
    for (const spans of byShard.values()) {
      spans.sort((a, b) => a[0] - b[0]);
      runs += spans.filter((s, i) => i === 0 || s[0] > spans[i - 1]![1]).length;
    }
    await local.close();
    server.reset();
    expect(await readAll(fsys, dir)).toEqual(oracleOf(dir).tensors!.map((t) => [t.key, t.sha256]));
    expect(dataGets(server)).toHaveLength(runs);
  });

  it('a partial read downloads only the needed bytes', async () => {
    const fsys = httpFs({ mergeGapBytes: 0 });
    const reader = await CheckpointReader.open(MLP_DIR, { fs: fsys });
    const keys = reader.keys().filter((k) => k.startsWith('layer_with_weights-0/') && !k.includes('OPTIMIZER_SLOT'));
    expect(keys.length).toBe(2);
    const needed = keys.reduce((n, k) => n + reader.entry(k).size, 0);
    const total = reader.keys().reduce((n, k) => n + reader.entry(k).size, 0);
    await reader.getTensors(keys, () => undefined);
    await reader.close();
    expect(server.bytesSent(/\.data-/)).toBe(needed);
    expect(needed).toBeLessThan(total / 2);
  });

  it('downloads each file once from a server that ignores Range, and warns once', async () => {
    server.reset('ignore-range');
    const fsys = httpFs();
    const dir = 'corpus/keras-lstm-rmsprop-sharded';
    expect(await readAll(fsys, dir)).toEqual(oracleOf(dir).tensors!.map((t) => [t.key, t.sha256]));
    const gets = server.log.filter((r) => r.method === 'GET').map((r) => r.path);
    expect(gets.length).toBeGreaterThan(2);
    expect(gets).toEqual([...new Set(gets)]);
    expect(warnings.filter((w) => /ignores Range/.test(w)).length).toBeLessThanOrEqual(1);
  });

  it('resumes a run whose connection dropped mid-body, and retries a 503', async () => {
    server.reset('drop', 2);
    const dir = 'corpus/keras-lstm-rmsprop-sharded';
    const expected = oracleOf(dir).tensors!.map((t) => [t.key, t.sha256]);
    expect(await readAll(httpFs(), dir)).toEqual(expected);
    // Each cut run is asked again from where it stopped (same end, later start), not from its beginning.
    const ranges = dataGets(server).map(
      (r) => [r.path, ...r.range!.match(/\d+/g)!.map(Number)] as [string, number, number],
    );
    const resumed = ranges.filter(([p, s, e], i) =>
      ranges.slice(0, i).some(([p2, s2, e2]) => p2 === p && e2 === e && s2 < s),
    );
    expect(resumed).toHaveLength(2);
    server.reset('503', 2);
    expect(await readAll(httpFs(), dir)).toEqual(expected);
    expect(server.log.filter((r) => r.status === 503)).toHaveLength(2);
  });

  it('works without HEAD (GET-only URLs) and without Content-Length', async () => {
    const oracle = oracleOf(MLP_DIR);
    for (const fault of ['no-head', 'no-length'] as Fault[]) {
      server.reset(fault);
      expect([fault, await readAll(httpFs(), MLP_DIR)]).toEqual([fault, oracle.tensors!.map((t) => [t.key, t.sha256])]);
    }
  });

  it('GET-only presigned URLs: per-file URLs from resolveUrl, HEAD refused', async () => {
    server.reset('no-head');
    const signed: string[] = [];
    const fsys = httpFs({
      resolveUrl: (p) => {
        const url = `${server.base}/${p}?X-Amz-Signature=${p.length}`;
        signed.push(url);
        return url;
      },
    });
    expect(await readAll(fsys, MLP_DIR)).toEqual(oracleOf(MLP_DIR).tensors!.map((t) => [t.key, t.sha256]));
    expect(signed.some((u) => u.includes('.data-'))).toBe(true);
    expect(server.log.filter((r) => r.method === 'HEAD' && r.status === 200)).toEqual([]);
  });

  it('trusts no size before the bytes arrive: a HEAD claiming 3 GiB fails typed, allocating nothing of it', async () => {
    server.reset('huge-head');
    const rss = process.memoryUsage().rss;
    const err = await readAll(httpFs(), `${MLP_DIR}/cp.ckpt`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toContain(server.base);
    expect(process.memoryUsage().rss - rss).toBeLessThan(512 * 2 ** 20);
  });

  it('stays on the base URL’s origin: a state file naming another origin is refused, and nothing is sent there', async () => {
    server.virtual.set(
      '/fixtures/evil/checkpoint',
      new TextEncoder().encode(`model_checkpoint_path: "${elsewhere.base}/corpus/ckpt"\n`),
    );
    const fsys = httpFs({ headers: { Authorization: 'Bearer secret' } });
    await expect(listVariables('fixtures/evil', { fs: fsys })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(elsewhere.log).toEqual([]);
    expect(server.log.every((r) => r.headers.authorization === 'Bearer secret')).toBe(true);
    server.virtual.delete('/fixtures/evil/checkpoint');
  });

  it('runs at most maxConnections requests at once, even for a tensor of many slices', async () => {
    const fsys = httpFs({ maxConnections: 2 });
    const reader = await CheckpointReader.open('fixtures/sharded/ckpt', { fs: fsys });
    const local = await CheckpointReader.open(path.join(FIXTURES_DIR, 'sharded', 'ckpt'));
    const key = 'big/.ATTRIBUTES/VARIABLE_VALUE';
    expect(reader.entry(key).slices.length).toBeGreaterThan(2);
    expect(tensorSha256(await reader.getTensor(key))).toBe(tensorSha256(await local.getTensor(key)));
    await Promise.all([reader.close(), local.close()]);
    expect(server.maxInFlight).toBeLessThanOrEqual(2);
  });

  it('stops at once when the caller aborts', async () => {
    server.reset('stall');
    const controller = new AbortController();
    const fsys = httpFs({ signal: controller.signal, idleTimeoutMs: 60_000 });
    const pending = readAll(fsys, MLP_DIR);
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toThrow(/aborted/);
    await expect(pending).rejects.toBeInstanceOf(IOError);
  });

  it('closing a reader stops its downloads in flight', async () => {
    const reader = await CheckpointReader.open(MLP_DIR, { fs: httpFs({ idleTimeoutMs: 60_000 }) });
    server.reset('stall');
    const pending = reader.getTensors(reader.keys(), () => undefined);
    await new Promise((r) => setTimeout(r, 100));
    await reader.close();
    await expect(pending).rejects.toThrow(/aborted/);
  });

  describe('a restore that fails part-way changes no variable and leaks no tensor', () => {
    const build = (): tf.LayersModel => {
      const input = tf.input({ shape: [4] });
      const hidden = tf.layers.dense({ units: 8, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
      return tf.model({
        inputs: input,
        outputs: tf.layers.dense({ units: 3, activation: 'softmax' }).apply(hidden) as tf.SymbolicTensor,
      });
    };
    const cases: Array<[Fault, RegExp]> = [
      ['stall', /no data for 400 ms/],
      ['wrong-range', /asked for bytes \d+-\d+, the server answered Content-Range/],
      ['replace', /changed on the server/],
      ['gzip', /Content-Encoding gzip/],
      ['drop', /response ended after|Failed to fetch/],
    ];
    it.each(cases)('%s', async (fault, message) => {
      const model = build();
      const before = model.getWeights().map((w) => w.dataSync().slice());
      const tensors = tf.memory().numTensors;
      server.reset(fault, fault === 'drop' ? 100 : 0);
      const fsys = httpFs({ retries: 1 });
      const err = await new Checkpoint({ model })
        .restore('examples/mlp/ckpt-1', { fs: fsys, verifyChecksums: false })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain(server.base);
      expect(model.getWeights().map((w) => w.dataSync().slice())).toEqual(before);
      expect(tf.memory().numTensors).toBe(tensors);
      model.dispose();
    });
  });
});
