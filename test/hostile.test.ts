/**
 * Structured hostile files (issue 13): shapes that are valid bundles with valid checksums but cost quadratic time,
 * unbounded memory or hide data. Each test builds its file with the package's own encoders (test/helpers/hostile)
 * and asserts the bounded behaviour structurally: a typed error naming the cap, or an answer that is right and
 * small. Sizes are those at which the old code blew up (minutes or an out-of-memory crash); the fixed code takes
 * well under a second on each. Speed itself is asserted only by the fuzz run (2 s per input, 1 GiB heap).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {
  Checkpoint,
  CheckpointError,
  CheckpointReader,
  CheckpointView,
  compareWithCheckpoint,
  MemoryFileSystem,
  NodeFileSystem,
  setLogger,
  trackableChildren,
} from '../src';
import { main } from '../src/cli/main';
import { objectTreeLines } from '../src/cli/format';
import { planRestore } from '../src/checkpoint/restore';
import { interceptDataReads } from './helpers/data_reads';
import { runStructuredFuzz } from './fuzz/structured';
import * as hostile from './helpers/hostile';
import { runCli } from './helpers/cli';

const { DataFile, PREFIX } = hostile;

let previousLogger: ReturnType<typeof setLogger>;
beforeAll(() => {
  previousLogger = setLogger({ warn: () => undefined });
});
afterAll(() => setLogger(previousLogger));

/** The files of a hostile bundle on disk (for the CLI), in a fresh temporary directory. */
function onDisk(files: Map<string, Uint8Array>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-hostile-'));
  for (const [name, bytes] of files) fs.writeFileSync(path.join(dir, path.basename(name)), bytes);
  return path.join(dir, path.basename(PREFIX));
}

async function expectCheckpointError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CheckpointError);
  expect((err as CheckpointError).code).toBe(code);
  expect((err as Error).message).toMatch(message);
}

describe('finding 1: a 100,000-node chain', () => {
  const files = hostile.deepChain(100_000);
  const fsys = new MemoryFileSystem(files);

  it('tree and inspect draw it (iteratively, indentation capped) instead of overflowing the stack', async () => {
    const reader = await CheckpointReader.open(PREFIX, { fs: fsys });
    try {
      const view = CheckpointView.fromObjectGraph((await reader.objectGraph())!);
      const lines = objectTreeLines(reader, view);
      expect(lines).toHaveLength(100_000);
      expect(lines[99_999]).toMatch(
        /^ +└─ c \[depth 99999\] #99999  float32\[\] 4 B  deep\/99999\/\.ATTRIBUTES\/VARIABLE_VALUE$/,
      );
      // Output is linear: no line grows with depth beyond the capped indentation.
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(400);
    } finally {
      await reader.close();
    }
  });

  it('compareWithCheckpoint and restore name the deepest value by a shortened path', async () => {
    const c = await compareWithCheckpoint({}, PREFIX, { fs: fsys });
    expect(c.onlyInCheckpoint).toHaveLength(1);
    const deepest = c.onlyInCheckpoint[0]!;
    expect(deepest.key).toBe('deep/99999/.ATTRIBUTES/VARIABLE_VALUE');
    expect(deepest.path).toBe(`(root)${'.c'.repeat(32)}.…(99935 more)…${'.c'.repeat(32)}`);
    const status = await new Checkpoint({ root: {} }).restore(PREFIX, { fs: fsys });
    expect(status.report().restored).toEqual([]);
  });

  it('CheckpointView.descendants is breadth first and complete', async () => {
    const view = await CheckpointView.open(PREFIX, { fs: fsys });
    const ids = view.descendants();
    expect(ids).toHaveLength(100_000);
    expect(ids[99_999]).toBe(99_999);
    expect(view.spanningTree().path(3)).toBe('root.c.c.c');
  });
});

describe('finding 6: 50,000 attributes on one node', () => {
  it('are planned in linear time: every unmatched attribute is listed once', async () => {
    const files = hostile.attributeFlood(50_000);
    const reader = await CheckpointReader.open(PREFIX, { fs: new MemoryFileSystem(files) });
    const v = tf.variable(tf.scalar(0));
    try {
      const plan = planRestore(CheckpointView.fromObjectGraph((await reader.objectGraph())!), { v }, reader);
      expect(plan.writes).toEqual([]);
      const unused = plan.unusedAttributes.get(1)!;
      expect(unused).toHaveLength(50_000);
      expect(unused[49_999]).toBe('a49999');
    } finally {
      v.dispose();
      await reader.close();
    }
  }, 30_000);
});

describe('finding 7: attributes whose keys are absent, against many keys', () => {
  it('40,000 attributes × 40,000 keys compare by binary search, not by scanning every key', async () => {
    const files = hostile.attributeFlood(40_000, 40_000);
    const c = await compareWithCheckpoint({}, PREFIX, { fs: new MemoryFileSystem(files) });
    // The z… keys belong to no attribute; none of the attributes' keys exists or prefixes a stored key.
    expect(c.onlyInCheckpoint).toEqual([]);
    expect(c.matched).toEqual([]);
  }, 30_000);

  it('an attribute key that prefixes more keys than the cap fails with a typed error naming the cap', async () => {
    const files = hostile.prefixFlood(10, 300);
    const reader = await CheckpointReader.open(PREFIX, { fs: new MemoryFileSystem(files) });
    try {
      expect(reader.attributeKeys('p/1')).toEqual(['p/1']);
      expect(reader.attributeKeys('p/29')).toEqual(['p/29']);
      expect(reader.attributeKeys('p/2')).toEqual(['p/2']);
      expect(reader.attributeKeys('p/1x')).toEqual([]);
      expect(() => reader.attributeKeys('p/')).toThrow(/more than 256 tensors \(the cap for one attribute\)/);
      expect(() => reader.attributeKeys('p')).toThrow(CheckpointError);
    } finally {
      await reader.close();
    }
    const keys = await CheckpointReader.open(PREFIX, { fs: new MemoryFileSystem(hostile.manyKeys(200)) });
    try {
      expect(keys.attributeKeys('k/000001')).toEqual(Array.from({ length: 10 }, (_, i) => `k/000001${i}`));
    } finally {
      await reader.close();
    }
  });
});

describe('finding 12: control characters and invalid UTF-8 in keys', () => {
  const invalidA = Uint8Array.of(0x6b, 0xff); // "k\xff"
  const invalidB = Uint8Array.of(0x6b, 0xfe); // "k\xfe"
  const files = hostile.nastyKeys([
    'esc\u001b[31mred',
    'forged\ntensor_name:  fake',
    invalidA,
    invalidB,
    'back\\slash',
  ]);

  it('distinct non-UTF-8 keys stay distinct and readable', async () => {
    const reader = await CheckpointReader.open(PREFIX, { fs: new MemoryFileSystem(files) });
    try {
      const keys = reader.keys().filter((k) => k !== '_CHECKPOINTABLE_OBJECT_GRAPH');
      expect(keys).toHaveLength(5);
      const a = keys.find((k) => k.endsWith('\udcff'))!;
      const b = keys.find((k) => k.endsWith('\udcfe'))!;
      expect([a, b]).toEqual(['k\udcff', 'k\udcfe']);
      expect(Array.from((await reader.getTensor(a)).data as Float32Array)).toEqual([2]);
      expect(Array.from((await reader.getTensor(b)).data as Float32Array)).toEqual([3]);
    } finally {
      await reader.close();
    }
  });

  it('inspect and tree print every key escaped: no terminal escapes, no forged lines', async () => {
    const prefix = onDisk(files);
    const inspect = await runCli(['inspect', prefix]);
    const names = await runCli(['inspect', prefix, '--all-tensor-names']);
    const tree = await runCli(['tree', prefix]);
    for (const r of [inspect, names, tree]) {
      expect(r.code).toBe(0);
      // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
      expect(r.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    }
    expect(inspect.out).toContain('esc\\x1b[31mred (DT_FLOAT) []\n');
    expect(inspect.out).toContain('forged\\ntensor_name:  fake (DT_FLOAT) []\n');
    expect(inspect.out).toContain('k\\xfe (DT_FLOAT) []\n');
    expect(inspect.out).toContain('k\\xff (DT_FLOAT) []\n');
    expect(inspect.out).toContain('back\\\\slash (DT_FLOAT) []\n');
    expect(names.out.split('\n').filter((l) => l.startsWith('tensor_name:'))).toHaveLength(6);
    expect(tree.out).toContain('x\\x1b[2J\\nforged line #1');
    expect(tree.out).toContain('a0\\x1b[31m float32[] 4 B  esc\\x1b[31mred');
  });
});

(process.platform === 'win32' ? describe.skip : describe)('finding 11: a FIFO where a file should be', () => {
  const mkfifo = (p: string): void => {
    fs.rmSync(p, { force: true });
    execFileSync('mkfifo', [p]);
  };

  it('a data shard that is a FIFO fails with a typed IO error instead of blocking forever', async () => {
    const prefix = onDisk(hostile.wideNode(2));
    mkfifo(`${prefix}.data-00000-of-00001`);
    const reader = await CheckpointReader.open(prefix);
    try {
      await expectCheckpointError(
        reader.getTensor('v0/.ATTRIBUTES/VARIABLE_VALUE'),
        'IO',
        /is not a regular file \(a FIFO, socket or device\)/,
      );
    } finally {
      await reader.close();
    }
  });

  it('an index or state file that is a FIFO is not taken for one, and no file read blocks on a FIFO', async () => {
    const prefix = onDisk(hostile.wideNode(2));
    mkfifo(`${prefix}.index`);
    await expectCheckpointError(CheckpointReader.open(prefix), 'NOT_FOUND', /Failed to find any matching files/);
    const state = path.join(path.dirname(prefix), 'checkpoint');
    mkfifo(state);
    await expectCheckpointError(
      CheckpointReader.open(path.dirname(prefix)),
      'NOT_FOUND',
      /Couldn't find 'checkpoint' file/,
    );
    await expectCheckpointError(new NodeFileSystem().readFile(state), 'IO', /checkpoint is not a regular file/);
    await expectCheckpointError(new NodeFileSystem().open(`${prefix}.index`), 'IO', /index is not a regular file/);
  });
});

describe('finding 8: partitioned tensors must be tiled exactly once', () => {
  const KEY = 'v/.ATTRIBUTES/VARIABLE_VALUE';
  const read = async (slices: Array<Array<[number, number]>>, shape = [4, 3]): Promise<unknown> => {
    const reader = await CheckpointReader.open(PREFIX, {
      fs: new MemoryFileSystem(hostile.slicedTensor(shape, slices)),
    });
    try {
      return Array.from((await reader.getTensor(KEY)).data as Float32Array);
    } finally {
      await reader.close();
    }
  };

  it('an exact tiling (a 2×2 grid) reads back in place', async () => {
    const grid = await read([
      [
        [0, 2],
        [0, 2],
      ],
      [
        [0, 2],
        [2, 1],
      ],
      [
        [2, 2],
        [0, 2],
      ],
      [
        [2, 2],
        [2, 1],
      ],
    ]);
    expect(grid).toEqual([1000, 1001, 2000, 1002, 1003, 2001, 3000, 3001, 4000, 3002, 3003, 4001]);
  });

  // The messages are TensorFlow 2.21's for the same files (tf.train.load_checkpoint(...).get_tensor); for a
  // duplicated slice TensorFlow's reader aborts the process on a CHECK, so the overlap message is used.
  it('a duplicated slice is rejected, not read twice', async () => {
    await expectCheckpointError(
      read([
        [
          [0, 2],
          [0, 3],
        ],
        [
          [0, 2],
          [0, 3],
        ],
      ]),
      'CORRUPT',
      /Overlapping slices: existing slice = 0,2:0,3, new slice = 0,2:0,3$/,
    );
  });

  it('an overlap that hides a gap (element counts add up) is rejected instead of reading zeros', async () => {
    await expectCheckpointError(
      read([
        [
          [0, 2],
          [0, 3],
        ],
        [
          [1, 2],
          [0, 3],
        ],
      ]),
      'CORRUPT',
      /Overlapping slices: existing slice = 0,2:0,3, new slice = 1,2:0,3$/,
    );
    await expectCheckpointError(
      read([
        [
          [0, 3],
          [0, 3],
        ],
        [
          [2, 2],
          [0, 3],
        ],
      ]),
      'CORRUPT',
      /Overlapping slices: existing slice = 0,3:0,3, new slice = 2,2:0,3$/,
    );
  });

  it('a gap is rejected with TensorFlow`s message', async () => {
    await expectCheckpointError(
      read([
        [
          [0, 1],
          [0, 3],
        ],
        [
          [2, 2],
          [0, 3],
        ],
      ]),
      'CORRUPT',
      /Does not have sufficient slices for partitioned tensor v\/\.ATTRIBUTES\/VARIABLE_VALUE to restore in slice_spec: -:-$/,
    );
  });

  it('1,000 column bands of one row band are checked in about linear time; one overlap among them is found', async () => {
    const bands = Array.from({ length: 1000 }, (_, i): Array<[number, number]> => [
      [0, 2],
      [i, 1],
    ]);
    expect(await read(bands, [2, 1000])).toHaveLength(2000);
    bands[999] = [
      [0, 2],
      [998, 1],
    ];
    await expectCheckpointError(
      read(bands, [2, 1000]),
      'CORRUPT',
      /Overlapping slices: existing slice = 0,2:998,1, new slice = 0,2:998,1$/,
    );
  });

  it('a restore meets the same error and changes nothing', async () => {
    const v = tf.variable(tf.zeros([4, 3]));
    try {
      const files = hostile.slicedTensor(
        [4, 3],
        [
          [
            [0, 2],
            [0, 3],
          ],
          [
            [1, 2],
            [0, 3],
          ],
        ],
      );
      await expectCheckpointError(
        new Checkpoint({ v }).restore(PREFIX, { fs: new MemoryFileSystem(files) }),
        'CORRUPT',
        /Overlapping slices/,
      );
      expect(Array.from(v.dataSync())).toEqual(new Array(12).fill(0));
    } finally {
      v.dispose();
    }
  });
});

describe('finding 2: string tensors of millions of elements', () => {
  it('an object-graph key of 26 million strings is rejected from its index entry, before any read', async () => {
    const files = hostile.stringFlood(26_000_000);
    const fsys = new MemoryFileSystem(files);
    await expectCheckpointError(
      CheckpointView.open(PREFIX, { fs: fsys }),
      'CORRUPT',
      /_CHECKPOINTABLE_OBJECT_GRAPH is string\[26000000\], expected a scalar string/,
    );
    const reader = await CheckpointReader.open(PREFIX, { fs: fsys });
    try {
      await expectCheckpointError(reader.objectGraph(), 'CORRUPT', /expected a scalar string/);
    } finally {
      await reader.close();
    }
  });

  it('5 million strings read into one buffer plus offsets: a few bytes of heap per element, values intact', async () => {
    const files = hostile.stringFlood(5_000_000, 'strings');
    const reader = await CheckpointReader.open(PREFIX, { fs: new MemoryFileSystem(files) });
    try {
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      const value = await reader.getTensor('strings');
      const grown = process.memoryUsage().heapUsed - before;
      expect(value.dtype).toBe('string');
      const data = value.data as Uint8Array[];
      expect(Array.isArray(data)).toBe(true);
      expect(data).toHaveLength(5_000_000);
      expect(data[4_999_999]).toEqual(new Uint8Array(0));
      expect(data[5_000_000]).toBeUndefined();
      // One Uint8Array per element cost ~200 B each (1 GB here); offsets live outside the JS heap.
      expect(grown).toBeLessThan(64 << 20);
    } finally {
      await reader.close();
    }
  });

  it('strings read as the array type they always were: indexing, iteration, map, assignment', async () => {
    const data = new DataFile();
    const utf8 = new TextEncoder();
    data.add('s', { dtype: 'string', shape: [3], data: ['ab', '', 'cde'].map((x) => utf8.encode(x)) });
    const reader = await CheckpointReader.open(PREFIX, { fs: new MemoryFileSystem(data.files()) });
    try {
      const v = (await reader.getTensor('s')).data as Uint8Array[];
      expect(v.map((b) => new TextDecoder().decode(b))).toEqual(['ab', '', 'cde']);
      expect([...v].map((b) => b.length)).toEqual([2, 0, 3]);
      expect(Object.keys(v)).toEqual(['0', '1', '2']);
      expect(JSON.stringify(v.map((b) => Array.from(b)))).toBe('[[97,98],[],[99,100,101]]');
      v[1] = utf8.encode('x');
      expect(new TextDecoder().decode(v[1])).toBe('x');
      expect(v).toHaveLength(3);
    } finally {
      await reader.close();
    }
  });
});

describe('finding 10: restoring into disposed targets', () => {
  const make = (): tf.Sequential =>
    tf.sequential({
      layers: Array.from({ length: 4 }, (_, i) =>
        tf.layers.dense({ units: 8, ...(i === 0 ? { inputShape: [8] } : {}) }),
      ),
    });
  let dir: string;
  let prefix: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-disposed-'));
    const source = make();
    prefix = await new Checkpoint({ root: source }).write(path.join(dir, 'ckpt'));
    source.dispose();
  });

  it('a layer disposed beforehand fails the restore with a typed error before any variable changes, leaking nothing', async () => {
    const model = make();
    const before = model.layers
      .filter((_, i) => i !== 2)
      .flatMap((l) => l.getWeights().map((w) => w.dataSync().slice()));
    model.layers[2]!.dispose();
    const tensors = tf.memory().numTensors;
    await expectCheckpointError(
      new Checkpoint({ root: model }).restore(prefix),
      'INVALID_ARGUMENT',
      /Cannot restore \(root\)\.layer_with_weights-2\.kernel into .*: its variable was disposed\. Nothing was restored\./,
    );
    expect(tf.memory().numTensors).toBe(tensors);
    const after = model.layers
      .filter((_, i) => i !== 2)
      .flatMap((l) => l.getWeights().map((w) => w.dataSync().slice()));
    expect(after).toEqual(before);
    model.layers.forEach((l, i) => i !== 2 && l.dispose());
  });

  it('a model disposed while the values are read: the restore fails typed and every prepared tensor is released', async () => {
    const model = make();
    let afterDispose = -1;
    const disposing = interceptDataReads(new NodeFileSystem(), async (read, _path, offset, length, target) => {
      if (afterDispose < 0) {
        model.dispose();
        afterDispose = tf.memory().numTensors;
      }
      return read(offset, length, target);
    });
    await expectCheckpointError(
      new Checkpoint({ root: model }).restore(prefix, { fs: disposing }),
      'INVALID_ARGUMENT',
      /its variable was disposed\. Nothing was restored\./,
    );
    expect(afterDispose).toBeGreaterThanOrEqual(0);
    expect(tf.memory().numTensors).toBe(afterDispose);
  });

  it('an intact model still restores', async () => {
    const model = make();
    const status = await new Checkpoint({ root: model }).restore(prefix);
    expect(status.report().restored.length).toBe(8);
    model.dispose();
  });
});

describe('finding 14: aliased regions and big JSON', () => {
  it('24 keys over one 4 MiB region are read once and share one buffer', async () => {
    const files = hostile.aliases(24, 4 << 20);
    const reader = await CheckpointReader.open(PREFIX, { fs: new MemoryFileSystem(files) });
    try {
      const keys = reader.keys().filter((k) => k.startsWith('alias/'));
      expect(keys).toHaveLength(24);
      const before = process.memoryUsage().arrayBuffers;
      const values: Float32Array[] = [];
      await reader.getTensors(keys, (i, v) => (values[i] = v.data as Float32Array));
      const grown = process.memoryUsage().arrayBuffers - before;
      expect(new Set(values.map((v) => v.buffer)).size).toBe(1);
      expect(values.every((v) => v.length === 1 << 20 && v[12345] === 1.5)).toBe(true);
      // One 4 MiB buffer, not 24 (96 MiB).
      expect(grown).toBeLessThan(16 << 20);
    } finally {
      await reader.close();
    }
  });

  it('aliases with different shapes share the bytes and keep their own shapes', async () => {
    const data = new DataFile();
    const at = data.add('a', { dtype: 'float32', shape: [6], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
    data.entry('b', 'float32', [2, 3], at);
    data.entry('c', 'int32', [6], at);
    const reader = await CheckpointReader.open(PREFIX, { fs: new MemoryFileSystem(data.files()) });
    try {
      const got = new Map<string, { shape: number[]; data: unknown }>();
      await reader.getTensors(['a', 'b', 'c'], (i, v) => got.set('abc'[i]!, v));
      expect(got.get('a')!.shape).toEqual([6]);
      expect(got.get('b')!.shape).toEqual([2, 3]);
      expect(got.get('b')!.data).toBe(got.get('a')!.data);
      expect(got.get('c')!.data).toBeInstanceOf(Int32Array);
    } finally {
      await reader.close();
    }
  });

  it('inspect --all-tensors --json is streamed in bounded writes and parses to every value', async () => {
    const prefix = onDisk(hostile.aliases(2, 1 << 19));
    const writes: number[] = [];
    let text = '';
    const o = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((s) => (writes.push(String(s).length), (text += String(s)), true));
    let code: number;
    try {
      code = await main(['inspect', prefix, '--all-tensors', '--json']);
    } finally {
      o.mockRestore();
    }
    expect(code).toBe(0);
    const doc = JSON.parse(text) as {
      tensors: Array<{ key: string; value?: { values: number[] } }>;
      objectGraphNodeCount: number;
    };
    expect(doc.tensors.filter((t) => t.key.startsWith('alias/')).map((t) => t.value!.values.length)).toEqual([
      1 << 17,
      1 << 17,
    ]);
    expect(doc.objectGraphNodeCount).toBe(1);
    // A 2 MB document written as many pieces of at most ~64 KiB, never one string of all of it.
    expect(writes.length).toBeGreaterThan(25);
    expect(Math.max(...writes)).toBeLessThan(1 << 17);
  });
});

describe('finding 15: wide live roots', () => {
  it('a Checkpoint whose root has 300,000 children lists them without spreading them onto the stack', async () => {
    const leaf = {};
    const root = {
      [trackableChildren]: () => Array.from({ length: 300_000 }, (_, i): [string, unknown] => [`c${i}`, leaf]),
    };
    const children = [...(new Checkpoint({ root })[trackableChildren]() as Iterable<[string, unknown]>)];
    expect(children).toHaveLength(300_001);
    expect(children[299_999]![0]).toBe('c299999');
    expect(children[300_000]![0]).toBe('save_counter');
  });
});

describe('structured hostile fuzz (seeded; `npm run fuzz` runs 180 at full size)', () => {
  it('every structured input succeeds or fails typed within 2 s, in a child process with a 1 GiB heap', async () => {
    const report = await runStructuredFuzz(27, 13, false);
    process.stdout.write(
      `structured fuzz: slowest ${report.slowest.ms.toFixed(0)} ms (${report.slowest.input}), peak RSS ${(report.maxRssBytes / 2 ** 20).toFixed(0)} MiB\n`,
    );
    expect(report.failures).toEqual([]);
    expect(report.inputs).toBe(27);
    // Both ends are reached: hostile inputs that read fine, and ones rejected as corrupt (slices, strings, caps).
    expect(report.outcomes['ok']).toBeGreaterThan(5);
    expect(report.outcomes['typed:CORRUPT'] ?? 0).toBeGreaterThan(0);
    expect(report.maxHeapBytes).toBeLessThan(2 ** 30);
  }, 300_000);
});
