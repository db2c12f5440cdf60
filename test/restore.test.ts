/**
 * Restore semantics against TensorFlow 2.21's own answers (test/fixtures/generate.py): Keras 3 models predict like
 * Keras after restore, training resumes where TF stopped, load-status assertions give TF's messages, and failures
 * change nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {
  Checkpoint,
  CheckpointReader,
  type LoadStatus,
  MemoryFileSystem,
  MismatchError,
  OBJECT_GRAPH_PROTO_KEY,
  setLogger,
  setOptimizerVariables,
  TrackableView,
} from '../src';
import { encodeObjectGraph } from '../src/graph';
import { DataFile, PREFIX as MEMORY_PREFIX } from './helpers/hostile';
import { KERAS3 } from './helpers/keras3_models';
import { buildLive } from './helpers/live';
import { FIXTURES_DIR, type LiveSpec } from './helpers/shared';

const L = tf.layers;
/** TF's outcome of restoring into one live structure (the `status` fixture). */
interface StatusOutcome {
  live: LiveSpec;
  assert_consumed: string | null;
  assert_existing_objects_matched: string | null;
  assert_nontrivial_match: string | null;
  values: unknown[];
  restore_error?: string;
}
/** The fields of a fixture's _TF_ORACLE.json these tests read (test/fixtures/generate.py writes them). */
interface RestoreOracle {
  input: number[][];
  x: number[][];
  y: number[][];
  weights_after_next_step: number[][];
  outcomes: Record<string, StatusOutcome>;
  [field: string]: unknown;
}
const fixture = (name: string): { prefix: string; oracle: RestoreOracle } => ({
  prefix: path.join(FIXTURES_DIR, name, 'ckpt'),
  oracle: JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, name, '_TF_ORACLE.json'), 'utf8')) as RestoreOracle,
});

let warnings: string[] = [];
let previousLogger: ReturnType<typeof setLogger>;
beforeEach(() => {
  warnings = [];
  previousLogger = setLogger({ warn: (m) => warnings.push(m) });
});
afterEach(() => setLogger(previousLogger));

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
}

describe('Keras 3 models generated with TensorFlow 2.21', () => {
  it.each(Object.keys(KERAS3))('%s predicts like Keras after restore (within 1e-5)', async (name) => {
    const { prefix, oracle } = fixture(name);
    const model = KERAS3[name]!();
    // The Keras models were compiled with Adam and trained: their optimizer state restores too.
    model.compile({ optimizer: tf.train.adam(0.001), loss: 'meanSquaredError' });
    const status = await new Checkpoint({ model }).restore(prefix);
    status.assertConsumed();
    expect(status.report().liveVariablesWithoutValue).toEqual([]);
    const predictions = (await (model.predict(tf.tensor(oracle.input)) as tf.Tensor).array()) as number[][];
    // One bound for both test backends: the restored weights are Keras's bits, and Keras's predictions differ from
    // tfjs's JS kernels (cpu) and from TensorFlow's own through tfjs-node (tensorflow) only by float32 round-off of
    // sums taken in other orders, far below 1e-5 for these small models.
    expect(maxAbsDiff(predictions.flat(), (oracle['predictions'] as number[][]).flat())).toBeLessThan(1e-5);
    expect(warnings).toEqual([]);
  });

  it('refuses a Keras GRU with reset_after=True, naming it, and changes nothing', async () => {
    const { prefix } = fixture('k3-gru-reset-after');
    const model = tf.sequential({
      layers: [L.gru({ units: 6, inputShape: [7, 5], recurrentInitializer: 'zeros' }), L.dense({ units: 2 })],
    });
    const before = await Promise.all(model.weights.map((w) => w.read().data()));
    const err = await new Checkpoint({ model }).restore(prefix).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MismatchError);
    expect((err as Error).message).toBe(
      'Received incompatible tensor with shape (2, 18) when attempting to restore variable with shape (18,) and name ' +
        // TF names values by the first breadth-first path: for compiled Keras 3 models, the optimizer's.
        '(root).model.optimizer._trainable_variables.2. This is the bias of a Keras GRU with reset_after=True (the ' +
        "Keras default), shaped [2, 3*units]; tfjs's GRU implements only reset_after=False and cannot represent these " +
        'weights. Use this package\'s KerasGRU layer (registered on import; className "KerasGRU"), which runs Keras\'s ' +
        'GRU with these weights.',
    );
    const after = await Promise.all(model.weights.map((w) => w.read().data()));
    expect(after).toEqual(before);
  });
});

describe('optimizer state: training resumes where TensorFlow stopped', () => {
  /** One tfjs Adam step on the fixture's batch with the MSE loss TF used. */
  function step(
    optimizer: tf.Optimizer,
    forward: (x: tf.Tensor) => tf.Tensor,
    variables: tf.Variable[],
    o: RestoreOracle,
  ): void {
    const x = tf.tensor(o.x);
    const y = tf.tensor(o.y);
    optimizer.minimize(() => tf.mean(tf.square(tf.sub(forward(x), y))), false, variables);
    tf.dispose([x, y]);
  }

  /** One more tfjs step from the restored state lands within `tolerance` of the weights TensorFlow's next step gave. */
  async function expectNextStepLikeTf(
    optimizer: tf.Optimizer,
    forward: (x: tf.Tensor) => tf.Tensor,
    variables: tf.Variable[],
    o: RestoreOracle,
    tolerance = 1e-5,
  ): Promise<void> {
    step(optimizer, forward, variables, o);
    const after = await Promise.all(variables.map((w) => w.data()));
    o.weights_after_next_step.forEach((expected, i) => {
      expect(maxAbsDiff(Array.from(after[i]!), [expected].flat(2))).toBeLessThan(tolerance);
    });
  }

  it('Keras 3 Adam (_momentums, _velocities, _trainable_variables, _iterations)', async () => {
    const { prefix, oracle } = fixture('k3-adam-steps');
    const model = tf.sequential({
      layers: [L.dense({ units: 5, activation: 'tanh', inputShape: [4] }), L.dense({ units: 3 })],
    });
    const optimizer = tf.train.adam(0.01);
    setOptimizerVariables(optimizer, model.trainableWeights);
    const status = await new Checkpoint({ model, optimizer }).restore(prefix);
    status.assertConsumed();
    expect(optimizer.iterations).toBe(3);
    await expectNextStepLikeTf(
      optimizer,
      (x) => model.apply(x) as tf.Tensor,
      model.trainableWeights.map((w) => w.read() as unknown as tf.Variable),
      oracle,
    );
  });

  /**
   * tfjs's update rules differ from Keras's for two optimizers: centered RMSProp subtracts epsilon under the square
   * root (sqrt(ms − (mg² + ε)), Keras sqrt(ms − mg² + ε)) and Adadelta divides by the previous step's gradient
   * accumulator. Their restored state is checked bit for bit; their next step only to 1e-3.
   */
  it.each([
    ['k3-sgd-momentum-steps', (): tf.Optimizer => tf.train.momentum(0.05, 0.9), 1e-5],
    ['k3-rmsprop-steps', (): tf.Optimizer => tf.train.rmsprop(0.01, 0.8, 0.5, 1e-7), 1e-5],
    ['k3-rmsprop-centered-steps', (): tf.Optimizer => tf.train.rmsprop(0.01, 0.8, 0.5, 1e-7, true), 1e-3],
    ['k3-adagrad-steps', (): tf.Optimizer => tf.train.adagrad(0.1, 0.1), 1e-5],
    ['k3-adadelta-steps', (): tf.Optimizer => tf.train.adadelta(1.0, 0.9, 1e-7), 1e-3],
  ] as const)(
    'Keras 3 %s: state restored exactly, the next tfjs step like TensorFlow`s',
    async (name, makeOptimizer, tolerance) => {
      const { prefix, oracle } = fixture(name);
      const model = tf.sequential({
        layers: [L.dense({ units: 5, activation: 'tanh', inputShape: [4] }), L.dense({ units: 3 })],
      });
      const optimizer = makeOptimizer();
      setOptimizerVariables(optimizer, model.trainableWeights);
      const status = await new Checkpoint({ model, optimizer }).restore(prefix);
      status.assertConsumed();
      expect(optimizer.iterations).toBe(3);
      // Every slot the checkpoint holds is in the tfjs optimizer, bit for bit (Momentum's converted: −v/lr).
      const reader = await CheckpointReader.open(prefix);
      const weights = await optimizer.getWeights();
      const slotKeys = reader.keys().filter((k) => /^optimizer\/_variables\/([2-9]|\d\d)\//.test(k));
      const slotValues = await Promise.all(
        slotKeys.map(async (k) => Array.from((await reader.getTensor(k)).data as Float32Array)),
      );
      await reader.close();
      const tfjsSlots = await Promise.all(weights.slice(1).map(async (w) => Array.from(await w.tensor.data())));
      const scale = name === 'k3-sgd-momentum-steps' ? -1 / 0.05 : 1;
      for (const values of slotValues) {
        const scaled = values.map((v) => Math.fround(v * scale));
        expect(
          tfjsSlots.some(
            (t) =>
              t.length === scaled.length &&
              t.every((x, i) => Math.abs(x - scaled[i]!) <= 1e-6 * Math.max(1, Math.abs(x))),
          ),
        ).toBe(true);
      }
      await expectNextStepLikeTf(
        optimizer,
        (x) => model.apply(x) as tf.Tensor,
        model.trainableWeights.map((w) => w.read() as unknown as tf.Variable),
        oracle,
        tolerance,
      );
    },
  );

  it('TF1 AdamOptimizer slots (slot_variables, beta1_power) into plain tfjs variables', async () => {
    const { prefix, oracle } = fixture('tf1-adam-steps');
    const v = (shape: number[]): tf.Variable => tf.variable(tf.zeros(shape));
    const net = {
      dense1: new Map([
        ['kernel', v([4, 5])],
        ['bias', v([5])],
      ]),
      dense2: new Map([
        ['kernel', v([5, 3])],
        ['bias', v([3])],
      ]),
    };
    const variables = [
      net.dense1.get('kernel')!,
      net.dense1.get('bias')!,
      net.dense2.get('kernel')!,
      net.dense2.get('bias')!,
    ];
    const optimizer = tf.train.adam(0.01);
    setOptimizerVariables(optimizer, variables);
    const status = await new Checkpoint({ net, optimizer }).restore(prefix);
    status.assertConsumed();
    expect(optimizer.iterations).toBe(3);
    const forward = (x: tf.Tensor): tf.Tensor =>
      tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, variables[0]!), variables[1]!)), variables[2]!), variables[3]!);
    await expectNextStepLikeTf(optimizer, forward, variables, oracle);
  });

  it('restores weights without the optimizer when asked (expectPartial), listing what stayed behind', async () => {
    const { prefix } = fixture('k3-adam-steps');
    const model = tf.sequential({
      layers: [L.dense({ units: 5, activation: 'tanh', inputShape: [4] }), L.dense({ units: 3 })],
    });
    const status = (await new Checkpoint({ model }).restore(prefix)).expectPartial();
    const report = status.report();
    // The model's weights are keyed under the optimizer (Keras 3 tracks them there and TF's BFS meets them there
    // first); matching follows the object graph, so they restore into the model all the same.
    expect(report.restored.map((r) => r.key)).toEqual(
      [0, 1, 2, 3].map((i) => `optimizer/_trainable_variables/${i}/.ATTRIBUTES/VARIABLE_VALUE`),
    );
    expect(report.unrestoredCheckpointValues.map((u) => u.path)).toContain('(root).optimizer._iterations');
    expect(report.unrestoredCheckpointValues.map((u) => u.path)).toContain('(root).optimizer._variables.2');
    expect(() => status.assertConsumed()).toThrow(
      /^Unresolved object in checkpoint \(root\)\.optimizer\._iterations: attributes \{/,
    );
    status.assertExistingObjectsMatched();
    await new Promise((r) => setTimeout(r, 5));
    expect(warnings).toEqual([]);
  });
});

describe('load status against TensorFlow`s outcomes', () => {
  const { prefix, oracle } = fixture('status');
  const outcomes = oracle.outcomes;

  /** TF's message, with the Python repr of variables (after "objects:" / "value:") left out of the comparison. */
  function expectSameMessage(actual: () => unknown, expected: string | null): void {
    if (expected === null) {
      expect(actual).not.toThrow();
      return;
    }
    const reprAt = expected.search(/\[<tf\.Variable/);
    if (reprAt < 0) expect(actual).toThrow(expected);
    else expect(actual).toThrow(expected.slice(0, reprAt));
  }

  for (const name of ['missing_c', 'extra_e', 'unrelated']) {
    it(`${name}: same assertions pass and fail, with TF's messages`, async () => {
      const o = outcomes[name]!;
      const { root } = buildLive(o.live);
      const status: LoadStatus = (await new Checkpoint({ root }).restore(prefix)).expectPartial();
      expectSameMessage(() => status.assertConsumed(), o.assert_consumed);
      expectSameMessage(() => status.assertExistingObjectsMatched(), o.assert_existing_objects_matched);
      expectSameMessage(() => status.assertNontrivialMatch(), o.assert_nontrivial_match);
      const values = await Promise.all(
        collectVariables(root).map(async (v) =>
          v.shape.length === 0 ? (await v.data())[0] : Array.from(await v.data()),
        ),
      );
      // tf.Module orders its variables its own way; compare the values as a set.
      const canonical = (vs: unknown[]): string[] => vs.map((v) => JSON.stringify(v)).sort();
      expect(canonical(values)).toEqual(canonical(o.values));
    });
  }

  it('wrong_shape: fails with TF`s message naming the variable`s path, and changes nothing', async () => {
    const o = outcomes['wrong_shape']!;
    const { root } = buildLive(o.live);
    const before = await Promise.all(collectVariables(root).map((v) => v.data()));
    const err = await new Checkpoint({ root }).restore(prefix).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MismatchError);
    const tfMessage = o['restore_error'] as string;
    const stem = tfMessage.slice(0, tfMessage.indexOf(' and name '));
    expect((err as Error).message).toBe(`${stem} and name (root).a.`);
    // b fits and was read, but no variable changed: the restore is all or nothing.
    expect(await Promise.all(collectVariables(root).map((v) => v.data()))).toEqual(before);
  });

  it('does not warn after expectPartial, and warns once otherwise', async () => {
    const { root } = buildLive(outcomes['missing_c']!.live);
    await new Checkpoint({ root }).restore(prefix);
    await new Promise((r) => setTimeout(r, 5));
    expect(warnings).toEqual([
      'Detecting that an object or model or tf.train.Checkpoint is being deleted with unrestored values. See the following logs for the specific values in question. To silence these warnings, use `status.expect_partial()`. See https://www.tensorflow.org/api_docs/python/tf/train/Checkpoint#restorefor details about the status object returned by the restore function.\nValue in checkpoint could not be found in the restored object: (root).c.d',
    ]);
  });

  it('warns of a corrupt node the restore never used, in its warning, instead of throwing from the timer', async () => {
    // Root children a (restored) and b (not in the model), whose attribute name is not UTF-8: nothing reads node b
    // until the unrestored-values warning does, in a timer, where a throw would end the process.
    const data = new DataFile();
    data.add('a/.ATTRIBUTES/VARIABLE_VALUE', { dtype: 'float32', shape: [], data: Float32Array.of(3) });
    const leaf = (name: string, checkpointKey: string): Parameters<typeof encodeObjectGraph>[0]['nodes'][number] => ({
      children: [],
      attributes: [{ name, fullName: '', checkpointKey, optionalRestore: false }],
      slotVariables: [],
      registeredSaver: null,
      hasCheckpointValues: null,
    });
    const graph = encodeObjectGraph({
      nodes: [
        {
          ...leaf('x', 'x'),
          attributes: [],
          children: [
            { localName: 'a', nodeId: 1 },
            { localName: 'b', nodeId: 2 },
          ],
        },
        leaf('VARIABLE_VALUE', 'a/.ATTRIBUTES/VARIABLE_VALUE'),
        leaf('BROKEN', 'b/.ATTRIBUTES/VARIABLE_VALUE'),
      ],
    });
    graph[Buffer.from(graph).indexOf('BROKEN')] = 0xff;
    data.add(OBJECT_GRAPH_PROTO_KEY, { dtype: 'string', shape: [], data: [graph] });
    const a = tf.variable(tf.scalar(0));
    try {
      await new Checkpoint({ root: { a } }).restore(MEMORY_PREFIX, { fs: new MemoryFileSystem(data.files()) });
      await new Promise((r) => setTimeout(r, 5));
      expect(await a.data()).toEqual(Float32Array.of(3));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/The rest of the checkpoint's object graph could not be read: .*node 2/);
    } finally {
      a.dispose();
    }
  });

  it('fails with its own error when naming the value would read a corrupt node it never used', async () => {
    // a's value does not fit; b (not in the model) has a child whose name is not UTF-8. Paths for messages come
    // from the graph's spanning tree, which reads b: the mismatch is still what is thrown, named by its key.
    const data = new DataFile();
    data.add('a/.ATTRIBUTES/VARIABLE_VALUE', { dtype: 'float32', shape: [2], data: Float32Array.of(1, 2) });
    const empty = { children: [], attributes: [], slotVariables: [], registeredSaver: null, hasCheckpointValues: null };
    const attribute = {
      name: 'VARIABLE_VALUE',
      fullName: '',
      checkpointKey: 'a/.ATTRIBUTES/VARIABLE_VALUE',
      optionalRestore: false,
    };
    const graph = encodeObjectGraph({
      nodes: [
        {
          ...empty,
          children: [
            { localName: 'a', nodeId: 1 },
            { localName: 'b', nodeId: 2 },
          ],
        },
        { ...empty, attributes: [attribute] },
        { ...empty, children: [{ localName: 'BROKEN', nodeId: 3 }] },
        empty,
      ],
    });
    graph[Buffer.from(graph).indexOf('BROKEN')] = 0xff;
    data.add(OBJECT_GRAPH_PROTO_KEY, { dtype: 'string', shape: [], data: [graph] });
    const a = tf.variable(tf.scalar(0));
    try {
      const restore = new Checkpoint({ root: { a } }).restore(MEMORY_PREFIX, {
        fs: new MemoryFileSystem(data.files()),
      });
      await expect(restore).rejects.toThrow(MismatchError);
      await expect(restore).rejects.toThrow(/a\/\.ATTRIBUTES\/VARIABLE_VALUE/);
      expect(await a.data()).toEqual(Float32Array.of(0));
    } finally {
      a.dispose();
    }
  });

  it('keeps nothing of a restore made with expectPartial once it returns (no timer holding its plan)', async () => {
    // A warning timer held the plan (every bound object) until the event loop next ran timers: restores of files
    // in memory, in a loop that never waits on a timer, kept every plan until the heap ran out.
    const { root } = buildLive(outcomes['missing_c']!.live);
    const timers = jest.spyOn(global, 'setTimeout');
    try {
      await new Checkpoint({ root }).restore(prefix, { expectPartial: true });
      expect(timers).not.toHaveBeenCalled();
      await new Checkpoint({ root }).restore(prefix);
      expect(timers).toHaveBeenCalledTimes(1);
    } finally {
      timers.mockRestore();
    }
    await new Promise((r) => setTimeout(r, 5));
  });
});

describe('progress', () => {
  it('reports the bytes of the values restored, ending at their total', async () => {
    const { prefix } = fixture('k3-sequential-dense-bn');
    const dense = L.dense({ units: 16, activation: 'relu', inputShape: [6] });
    const bn = L.batchNormalization();
    tf.sequential({ layers: [dense, bn] }); // builds them
    const backbone = { _functional: { _operations: [{}, dense, bn] } };
    const calls: Array<[number, number]> = [];
    const status = await new Checkpoint({ model: backbone }).restore(prefix, {
      expectPartial: true,
      onProgress: (done, total) => calls.push([done, total]),
    });
    const reader = await CheckpointReader.open(prefix);
    const bytes = status.report().restored.reduce((n, r) => n + reader.entry(r.key).size, 0);
    await reader.close();
    expect(calls).toHaveLength(status.report().restored.length);
    expect(calls.every(([, total]) => total === bytes)).toBe(true);
    expect(calls.map(([done]) => done)).toEqual([...calls.map(([done]) => done)].sort((a, b) => a - b));
    expect(calls.at(-1)).toEqual([bytes, bytes]);
  });
});

describe('partial restore of a backbone into a new model', () => {
  it('restores the layers that match by path and leaves a new head alone', async () => {
    const { prefix } = fixture('k3-sequential-dense-bn');
    const dense = L.dense({ units: 16, activation: 'relu', inputShape: [6] });
    const bn = L.batchNormalization();
    const head = L.dense({ units: 7, activation: 'softmax' });
    const model = tf.sequential({ layers: [dense, bn, head] });
    expect(model.outputs[0]!.shape).toEqual([null, 7]);
    const headBefore = await head.getWeights()[0]!.data();
    // As in TensorFlow, describe just the part to restore: the checkpoint's model/_functional/_operations/1..2.
    const backbone = { _functional: { _operations: [{}, dense, bn] } };
    const status = (await new Checkpoint({ model: backbone }).restore(prefix)).expectPartial();
    status.assertExistingObjectsMatched();
    // Paths are TF's names for the nodes (the trainable ones are first met under the compiled model's optimizer).
    expect(status.report().restored.map((r) => r.path)).toEqual([
      '(root).model.optimizer._trainable_variables.0',
      '(root).model.optimizer._trainable_variables.1',
      '(root).model.optimizer._trainable_variables.2',
      '(root).model.optimizer._trainable_variables.3',
      '(root).model._functional._operations.2.moving_mean',
      '(root).model._functional._operations.2.moving_variance',
    ]);
    expect(status.report().restored.map((r) => r.target)).toEqual(
      [...dense.weights, ...bn.weights].map(
        (w) => `<LayerVariable '${w.name}' shape=[${w.shape.join(',')}] dtype=float32>`,
      ),
    );
    expect(await head.getWeights()[0]!.data()).toEqual(headBefore);
  });
});

function collectVariables(root: object): tf.Variable[] {
  const out: tf.Variable[] = [];
  const seen = new Set<unknown>();
  const walk = (o: unknown): void => {
    if (o === null || typeof o !== 'object' || seen.has(o)) return;
    seen.add(o);
    if (o instanceof tf.Variable) out.push(o as tf.Variable);
    else if (o instanceof Map) for (const v of o.values()) walk(v);
    else for (const v of Object.values(o)) walk(v);
  };
  walk(root);
  return out;
}

describe('Keras 3 Sequential and functional checkpoints restore into either kind of tfjs model', () => {
  it('a Keras Sequential checkpoint into a tfjs functional model', async () => {
    const { prefix, oracle } = fixture('k3-sequential-dense-bn');
    const x = tf.input({ shape: [6] });
    let y = L.dense({ units: 16, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    y = L.batchNormalization().apply(y) as tf.SymbolicTensor;
    const model = tf.model({
      inputs: x,
      outputs: L.dense({ units: 4, activation: 'softmax' }).apply(y) as tf.SymbolicTensor,
    });
    const status = (await new Checkpoint({ model }).restore(prefix)).expectPartial();
    status.assertExistingObjectsMatched();
    const predictions = (await (model.predict(tf.tensor(oracle.input)) as tf.Tensor).array()) as number[][];
    expect(maxAbsDiff(predictions.flat(), (oracle['predictions'] as number[][]).flat())).toBeLessThan(1e-5);
  });

  it('a Keras functional checkpoint into a tfjs Sequential model', async () => {
    const { prefix, oracle } = fixture('k3-functional-conv');
    const model = tf.sequential({
      layers: [
        L.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 3] }),
        L.batchNormalization(),
        L.maxPooling2d({}),
        L.flatten(),
        L.dense({ units: 5 }),
      ],
    });
    const status = (await new Checkpoint({ model }).restore(prefix)).expectPartial();
    status.assertExistingObjectsMatched();
    const predictions = (await (model.predict(tf.tensor(oracle.input)) as tf.Tensor).array()) as number[][];
    expect(maxAbsDiff(predictions.flat(), (oracle['predictions'] as number[][]).flat())).toBeLessThan(1e-5);
  });
});

describe('structure the adapters follow', () => {
  it('fails clearly, changing nothing, when a tfjs layer has no weights yet', async () => {
    const { prefix } = fixture('k3-sequential-dense-bn');
    const dense = L.dense({ units: 16, activation: 'relu' });
    const unbuilt = { _functional: { _operations: [{}, dense] } };
    await expect(new Checkpoint({ model: unbuilt }).restore(prefix)).rejects.toThrow(
      /^Cannot restore \(root\)\.model\.optimizer\._trainable_variables\.0|^Cannot restore \(root\)\.model\._functional\._operations\.1 into layer dense_Dense\d+: the layer has no weights yet \(it is not built\)\. Build the model first/,
    );
  });

  it('names nested models, wrappers and cells as Keras does', () => {
    const inner = tf.sequential({ layers: [L.dense({ units: 3, inputShape: [4] })] });
    const td = L.timeDistributed({ layer: L.dense({ units: 2 }) });
    const outer = tf.sequential({
      layers: [L.repeatVector({ n: 5, inputShape: [4] }), td, L.gru({ units: 2, recurrentInitializer: 'zeros' })],
    });
    const model = tf.sequential({ layers: [inner, L.dense({ units: 1 })] });
    const view = new TrackableView(model);
    const names = (o: object): string[] => [...view.children(o).keys()];
    expect(names(model)).toEqual([
      'layer_with_weights-0',
      'layer-0',
      'layer_with_weights-1',
      'layer-1',
      '_functional',
      '_operations',
      inner.name,
      model.layers[1]!.name,
    ]);
    expect(names(inner).slice(0, 2)).toEqual(['layer_with_weights-0', 'layer-0']);
    expect(names(td)).toEqual(['layer']);
    expect(names(td.layer)).toEqual(['kernel', '_kernel', 'bias']);
    expect(names(outer.layers[2]!)).toEqual(['cell']);
    expect(names((outer.layers[2] as unknown as { cell: object }).cell)).toEqual([
      'kernel',
      'recurrent_kernel',
      'bias',
    ]);
  });
});
