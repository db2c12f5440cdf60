/**
 * Writing checkpoints, judged by TensorFlow 2.21 (test/tf_judge.py) and by TF's own checkpoints of the same
 * structures: same node ids, children, keys and values.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {
  Checkpoint,
  CheckpointManager,
  CheckpointReader,
  CheckpointView,
  latestCheckpoint,
  loadVariable,
  loadWeights,
  setLogger,
} from '../src';
import { buildLive } from './helpers/live';
import { expectMatchesOracle } from './helpers/oracle';
import {
  CORPUS_DIR,
  corpusAvailable,
  FIXTURES_DIR,
  type LiveSpec,
  listCheckpointDirs,
  type Oracle,
} from './helpers/shared';
import { tfAvailable, tfJudge } from './helpers/tf';
import { tensorSha256 } from './helpers/values';

const L = tf.layers;
let dir: string;
let previousLogger: ReturnType<typeof setLogger>;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-save-'));
  previousLogger = setLogger({ warn: () => undefined });
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  setLogger(previousLogger);
});

const oracleOf = (name: string): Oracle =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, name, '_TF_ORACLE.json'), 'utf8')) as Oracle;
const withTf = tfAvailable() ? it : it.skip;

/** TF's answers for our checkpoint, minus full_name (TF's variables are all named 'Variable'). */
function structural(o: Oracle): object {
  const nodes = (o.nodes ?? []).map((n) => ({
    ...n,
    ...(n.attributes ? { attributes: n.attributes.map((a) => [a[0], a[2]]) } : {}),
  }));
  return {
    list_variables: o.list_variables,
    children: o.children,
    descendants: o.descendants,
    paths: o.paths,
    nodes,
    shas: (o.tensors ?? [])
      .filter((t) => t.key !== '_CHECKPOINTABLE_OBJECT_GRAPH')
      .map((t) => [t.key, t.dtype, t.sha256]),
  };
}

describe('the seed document`s module, built in JS and saved', () => {
  const build = (): object =>
    buildLive({
      module: [
        ['a_var', { var: 5.0 }],
        ['b_var', { var: 4.0 }],
        ['vars', { list: [{ var: 1.0 }, { var: 2.0 }] }],
        [
          'leaf',
          {
            module: [
              ['a_var', { var: 5.0 }],
              ['b_var', { var: 4.0 }],
              ['vars', { list: [{ var: 1.0 }, { var: 2.0 }] }],
            ],
          },
        ],
      ],
    }).root;

  /** children(0) in the document's example: what our view and TensorFlow must both read from the save. */
  const SEED_CHILDREN = [
    ['a_var', 1],
    ['b_var', 2],
    ['vars', 3],
    ['leaf', 4],
    ['root', 0],
    ['save_counter', 5],
  ];

  it('gives the document`s children(0) and TF`s own checkpoint of the same structure', async () => {
    const saved = await new Checkpoint({ root: build() }).save(path.join(dir, 'seed', 'tf_ckpts'));
    expect(saved).toBe(path.join(dir, 'seed', 'tf_ckpts-1'));
    const view = await CheckpointView.open(saved);
    expect([...view.children(0)]).toEqual(SEED_CHILDREN);
    expect(await latestCheckpoint(path.join(dir, 'seed'))).toBe(saved);
    expect(fs.readFileSync(path.join(dir, 'seed', 'checkpoint'), 'utf8')).toBe(
      'model_checkpoint_path: "tf_ckpts-1"\nall_model_checkpoint_paths: "tf_ckpts-1"\n',
    );
    // Our reader agrees with TF's answers for TF's own save, except the variables' names.
    const oracle = oracleOf('seed-children');
    const ours = {
      ...oracle,
      nodes: undefined,
      tensors: oracle.tensors!.filter((t) => t.key !== '_CHECKPOINTABLE_OBJECT_GRAPH'),
      inspect_lines: undefined,
    } as Oracle;
    await expectMatchesOracle(saved, ours);
  });

  withTf('TensorFlow reads it exactly as its own save of the same module', async () => {
    const saved = await new Checkpoint({ root: build() }).save(path.join(dir, 'seed-tf', 'tf_ckpts'));
    const judged = tfJudge<Oracle>('oracle', { prefix: saved });
    expect(judged.children?.[0]).toEqual(SEED_CHILDREN);
    expect(structural(judged)).toEqual(structural(oracleOf('seed-children')));
  });
});

describe('round trips keep every value bit-exact', () => {
  for (const name of ['names', 'shared-cycles']) {
    it(`TF → tfjs → file: ${name} is written back with TF's own graph`, async () => {
      const oracle = oracleOf(name);
      const src = path.join(FIXTURES_DIR, name, 'ckpt');
      // Rebuild the structure TF saved, restore TF's values into it, save it again.
      const { root } = buildLive(savedSpecs[name]!);
      (await new Checkpoint({ root }).restore(src)).assertConsumed();
      const out = await new Checkpoint({ root }).write(path.join(dir, `rt-${name}`, 'ckpt'));
      // (The graph tensor itself differs: full_name holds tfjs's variable names.)
      const tensors = oracle.tensors!.filter((t) => t.key !== '_CHECKPOINTABLE_OBJECT_GRAPH');
      await expectMatchesOracle(out, { ...oracle, nodes: undefined, inspect_lines: undefined, tensors });
      if (tfAvailable()) expect(structural(tfJudge<Oracle>('oracle', { prefix: out }))).toEqual(structural(oracle));
    });
  }

  withTf('tfjs → TF: TensorFlow restores a tfjs save into a tf.Module tree (assert_consumed)', async () => {
    const spec = savedSpecs['shared-cycles']!;
    const { root } = buildLive(spec);
    const tree = root as { a: tf.Variable; child: { v: tf.Variable } };
    const vars = [tree.a, tree.child.v];
    vars[0]!.assign(tf.scalar(1.25));
    vars[1]!.assign(tf.scalar(-7.5));
    const out = await new Checkpoint({ root }).write(path.join(dir, 'to-tf', 'ckpt'));
    const judged = tfJudge('module_restore', { prefix: out, spec });
    expect(judged['assert_consumed']).toBeNull();
    expect(judged['values']).toEqual({ '["a"]': 1.25, '["child","v"]': -7.5 });
  });
});

/** The structures generate.py saved (so the JS tree has TF's shape). */
const savedSpecs: Record<string, LiveSpec> = {
  names: {
    module: [
      [
        'd',
        {
          dict: ['/', '.', '..', 'a/b.c', 'ü日本語', '', '0', '10', '2', '.S', 'x..y', ' space '].map(
            (n, i): [string, LiveSpec] => [n, { var: i }],
          ),
        },
      ],
      ['nested', { list: [{ list: [{ var: 1.5 }, { dict: [['k/.', { var: 2.5 }]] }] }, { list: [] }, { dict: [] }] }],
      ['m.o/d', { module: [['w', { var: [1.0, 2.0] }]] }],
    ],
  },
  'shared-cycles': {
    module: [
      ['a', { var: 1.0 }],
      ['b', { ref: ['a'] }],
      [
        'child',
        {
          module: [
            ['v', { var: 2.0 }],
            ['parent', { ref: [] }],
          ],
        },
      ],
      ['me', { ref: [] }],
      ['twin', { ref: ['child'] }],
      ['vs', { list: [{ ref: ['a'] }, { ref: ['child', 'v'] }] }],
    ],
  },
};

describe('tfjs models', () => {
  const seqDenseBn = (): tf.Sequential =>
    tf.sequential({
      layers: [
        L.dense({ units: 16, activation: 'relu', inputShape: [6] }),
        L.batchNormalization(),
        L.dense({ units: 4, activation: 'softmax' }),
      ],
    });

  withTf('Keras 3 layout: Keras restores the tfjs save and predicts the same', async () => {
    const model = seqDenseBn();
    // Non-trivial BatchNormalization statistics.
    const bn = model.layers[1]!;
    bn.setWeights(bn.getWeights().map((w, i) => tf.randomUniform(w.shape, i === 3 ? 0.5 : -1, 2)));
    const out = await new Checkpoint({ model }).write(path.join(dir, 'k3', 'ckpt'), { layout: 'keras3' });
    const input = Array.from({ length: 3 }, (_, i) => Array.from({ length: 6 }, (_, j) => Math.sin(i * 6 + j)));
    const judged = tfJudge('keras3_restore', { prefix: out, case: 'k3-sequential-dense-bn', input });
    expect(judged['assert_existing_objects_matched']).toBeNull();
    const ours = (await (model.predict(tf.tensor(input)) as tf.Tensor).array()) as number[][];
    const diff = ours
      .flat()
      .reduce((m, x, i) => Math.max(m, Math.abs(x - (judged['predictions'] as number[][]).flat()[i]!)), 0);
    expect(diff).toBeLessThan(1e-5);
  });

  (corpusAvailable() ? it : it.skip)(
    'Keras 2 layout: the same graph and keys as a real Keras 2 save_weights of the architecture',
    async () => {
      const ckpt = listCheckpointDirs(CORPUS_DIR).find((c) => c.name === 'keras-tutorial-nighthawks-2023-noopt')!;
      const model = tf.sequential({
        layers: [
          L.dense({ units: 512, activation: 'relu', inputShape: [784] }),
          L.dropout({ rate: 0.2 }),
          L.dense({ units: 10 }),
        ],
      });
      // Compiled, as the Keras model was: its optimizer is a node of the graph.
      model.compile({ optimizer: tf.train.adam(), loss: 'meanSquaredError' });
      (await loadWeights(model, ckpt.prefix)).expectPartial();
      // Keras's save_weights: the model is the root.
      const out = await new Checkpoint({ root: model }).write(path.join(dir, 'k2', 'cp.ckpt'));
      const view = await CheckpointView.open(out);
      const oracle = ckpt.oracle!;
      // Model part: every edge of the model and its layers, in order, with TF's node numbering.
      const modelPart = (children: Array<Array<[string, number]>>): Array<Array<[string, number]>> =>
        children.slice(0, 4).map((c) => c.filter(([n]) => n !== 'optimizer' && n !== 'root'));
      expect(modelPart([...Array(view.numNodes).keys()].map((i) => [...view.children(i)]))).toEqual(
        modelPart(oracle.children!),
      );
      const modelKeys = (keys: string[]): string[] => keys.filter((k) => k.startsWith('layer'));
      const reader = await CheckpointReader.open(out);
      try {
        expect(modelKeys(reader.keys())).toEqual(modelKeys(oracle.list_variables!.map(([k]) => k)));
        for (const key of modelKeys(reader.keys())) {
          expect([key, tensorSha256(await reader.getTensor(key))]).toEqual([
            key,
            oracle.tensors!.find((t) => t.key === key)!.sha256,
          ]);
        }
      } finally {
        await reader.close();
      }
    },
  );

  it('optimizer state survives tfjs → file → tfjs in both layouts, bit-exact', async () => {
    const { prefix } = { prefix: path.join(FIXTURES_DIR, 'k3-adam-steps', 'ckpt') };
    const make = (): tf.Sequential => {
      const m = tf.sequential({
        layers: [L.dense({ units: 5, activation: 'tanh', inputShape: [4] }), L.dense({ units: 3 })],
      });
      m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
      return m;
    };
    const source = make();
    // TF saved Checkpoint(model=model, optimizer=optimizer): the optimizer sits beside the model there.
    (await new Checkpoint({ model: source, optimizer: source.optimizer }).restore(prefix)).assertConsumed();
    const sourceState = await Promise.all((await source.optimizer.getWeights()).map((w) => w.tensor.data()));
    for (const layout of ['keras2', 'keras3'] as const) {
      const out = await new Checkpoint({ model: source }).write(path.join(dir, `opt-${layout}`, 'ckpt'), { layout });
      const copy = make();
      (await new Checkpoint({ model: copy }).restore(out)).assertConsumed();
      expect(copy.optimizer.iterations).toBe(3);
      const state = await Promise.all((await copy.optimizer.getWeights()).map((w) => w.tensor.data()));
      expect(state).toEqual(sourceState);
      const weights = await Promise.all(copy.weights.map((w) => w.read().data()));
      expect(weights).toEqual(await Promise.all(source.weights.map((w) => w.read().data())));
    }
  });

  withTf('optimizer state survives tfjs → TF (Keras 3) → tfjs, bit-exact', async () => {
    const make = (): tf.Sequential => {
      const m = tf.sequential({
        layers: [L.dense({ units: 5, activation: 'tanh', inputShape: [4] }), L.dense({ units: 3 })],
      });
      m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
      return m;
    };
    const source = make();
    const fixture = path.join(FIXTURES_DIR, 'k3-adam-steps', 'ckpt');
    (await new Checkpoint({ model: source, optimizer: source.optimizer }).restore(fixture)).assertConsumed();
    const out = await new Checkpoint({ model: source, optimizer: source.optimizer }).write(
      path.join(dir, 'via-tf', 'ckpt'),
      { layout: 'keras3' },
    );
    const judged = tfJudge<{ assert_consumed: string | null; iterations: number; written: string }>('keras3_resave', {
      prefix: out,
      out: path.join(dir, 'via-tf', 'tf-written'),
    });
    expect(judged['assert_consumed']).toBeNull();
    expect(judged['iterations']).toBe(3);
    const back = make();
    (await new Checkpoint({ model: back, optimizer: back.optimizer }).restore(judged.written)).assertConsumed();
    expect(back.optimizer.iterations).toBe(3);
    const state = async (m: tf.LayersModel): Promise<unknown[]> => [
      ...(await Promise.all(m.weights.map((w) => w.read().data()))),
      ...(await Promise.all((await m.optimizer.getWeights()).map((w) => w.tensor.data()))),
    ];
    expect(await state(back)).toEqual(await state(source));
  });

  it('stores float32 as float16 or bfloat16 on request', async () => {
    const v = tf.variable(tf.tensor([1, 0.1, -2.5, 65504]));
    for (const [as, expected] of [
      ['float16', [0x3c00, 0x2e66, 0xc100, 0x7bff]],
      ['bfloat16', [0x3f80, 0x3dcd, 0xc020, 0x4780]],
    ] as const) {
      const out = await new Checkpoint({ v }).write(path.join(dir, `half-${as}`, 'ckpt'), { float32As: as });
      const value = await loadVariable(out, 'v/.ATTRIBUTES/VARIABLE_VALUE');
      expect(value.dtype).toBe(as);
      expect([...(value.data as Uint16Array)]).toEqual(expected);
    }
  });

  it('spreads values over several data files on request', async () => {
    const vars = { a: tf.variable(tf.ones([100])), b: tf.variable(tf.ones([100])), c: tf.variable(tf.ones([100])) };
    const out = await new Checkpoint(vars).write(path.join(dir, 'shards', 'ckpt'), { maxShardSize: 450 });
    const reader = await CheckpointReader.open(out);
    // Three 400-byte values in three files, the object graph in a fourth.
    expect(reader.header.numShards).toBe(4);
    expect((await reader.getTensor('c/.ATTRIBUTES/VARIABLE_VALUE')).data).toEqual(new Float32Array(100).fill(1));
    await reader.close();
  });
});

describe('CheckpointManager', () => {
  it('keeps the newest maxToKeep checkpoints and a state file TensorFlow agrees with', async () => {
    const d = path.join(dir, 'manager');
    const v = tf.variable(tf.scalar(0));
    const manager = new CheckpointManager(new Checkpoint({ v }), d, { maxToKeep: 2 });
    const saved: string[] = [];
    for (let i = 0; i < 4; i++) {
      v.assign(tf.scalar(i));
      saved.push(await manager.save());
    }
    expect(saved).toEqual([1, 2, 3, 4].map((n) => path.join(d, `ckpt-${n}`)));
    expect(manager.checkpoints).toEqual(saved.slice(2));
    expect(manager.latestCheckpoint).toBe(saved[3]);
    expect(
      fs
        .readdirSync(d)
        .filter((f) => f.startsWith('ckpt-'))
        .sort(),
    ).toEqual(['ckpt-3.data-00000-of-00001', 'ckpt-3.index', 'ckpt-4.data-00000-of-00001', 'ckpt-4.index']);
    const state = fs.readFileSync(path.join(d, 'checkpoint'), 'utf8');
    expect(state).toMatch(
      /^model_checkpoint_path: "ckpt-4"\nall_model_checkpoint_paths: "ckpt-3"\nall_model_checkpoint_paths: "ckpt-4"\nall_model_checkpoint_timestamps: [\d.]+\nall_model_checkpoint_timestamps: [\d.]+\nlast_preserved_timestamp: [\d.]+\n$/,
    );
    // A new manager over the directory continues where the last one stopped.
    const again = new CheckpointManager(new Checkpoint({ v }), d, { maxToKeep: 2 });
    await again.ready;
    expect(again.checkpoints).toEqual(saved.slice(2));
    expect(await latestCheckpoint(d)).toBe(saved[3]);
    if (tfAvailable()) {
      expect(tfJudge('manager', { directory: d, max_to_keep: 2 })).toEqual({
        checkpoints: saved.slice(2),
        latest: saved[3],
        latest_checkpoint: saved[3],
      });
    }
  });
});
