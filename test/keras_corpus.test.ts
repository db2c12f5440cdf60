/**
 * The users' files: every Keras checkpoint in ../shared/tf-checkpoints whose model tfjs can build is restored into
 * that model built in tfjs (architecture from CATALOG.md), and every restored weight must equal, byte for byte,
 * the value TensorFlow 2.21 reads from the checkpoint (_TF_ORACLE.json).
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { Checkpoint, CheckpointReader, type LoadStatus, loadWeights, setLogger, setOptimizerVariables } from '../src';
import { CORPUS_DIR, corpusAvailable, listCheckpointDirs } from './helpers/shared';

type Restore = () => Promise<{
  status: LoadStatus;
  variables: tf.LayerVariable[] | tf.Variable[];
  extra?: () => Promise<void>;
}>;

const L = tf.layers;
const seq = (layers: tf.layers.Layer[]): tf.Sequential => tf.sequential({ layers });
const compiled = <M extends tf.LayersModel>(m: M, optimizer: tf.Optimizer | string = tf.train.adam()): M => {
  m.compile({ optimizer, loss: 'meanSquaredError' });
  return m;
};
const prefixOf = (name: string): string => listCheckpointDirs(CORPUS_DIR).find((c) => c.name === name)!.prefix;

function viaLoadWeights(
  name: string,
  build: () => tf.LayersModel,
  pathOf: (prefix: string) => string = (p) => p,
): Restore {
  return async () => {
    const model = build();
    const status = await loadWeights(model, pathOf(prefixOf(name)));
    return { status, variables: model.weights };
  };
}

const mnistCnn = (): tf.Sequential =>
  seq([
    L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    L.maxPooling2d({ poolSize: 2 }),
    L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
    L.maxPooling2d({ poolSize: 2 }),
    L.flatten(),
    L.dense({ units: 100, activation: 'relu' }),
    L.dropout({ rate: 0.5 }),
    L.dense({ units: 10, activation: 'softmax' }),
  ]);
const aslCnn = (classes: number): tf.Sequential =>
  seq([
    L.rescaling({ scale: 1 / 255, inputShape: [50, 50, 3] }),
    L.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
    L.maxPooling2d({}),
    L.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
    L.maxPooling2d({}),
    L.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
    L.maxPooling2d({}),
    L.flatten(),
    L.dense({ units: 128, activation: 'relu' }),
    L.dense({ units: classes }),
  ]);
const bilstm = (): tf.Sequential =>
  seq([
    L.embedding({ inputDim: 5000, outputDim: 64, inputLength: 200 }),
    // Initializers are irrelevant (restored over) and tfjs's default orthogonal one takes seconds on the CPU.
    L.bidirectional({ layer: L.lstm({ units: 64, recurrentInitializer: 'zeros' }) }),
    L.dense({ units: 64, activation: 'relu' }),
    L.dense({ units: 6, activation: 'softmax' }),
  ]);
const tetrisNet = (): tf.Sequential =>
  seq([
    L.conv2d({ filters: 32, kernelSize: 5, activation: 'relu', inputShape: [24, 10, 1] }),
    L.conv2d({ filters: 32, kernelSize: 5, activation: 'relu' }),
    L.flatten(),
    L.dense({ units: 100, activation: 'relu' }),
    L.dense({ units: 100, activation: 'relu' }),
    L.dense({ units: 52 }),
  ]);
const tutorial = (): tf.Sequential =>
  seq([
    L.dense({ units: 512, activation: 'relu', inputShape: [784] }),
    L.dropout({ rate: 0.2 }),
    L.dense({ units: 10 }),
  ]);
const rmsprop = (): tf.Optimizer => tf.train.rmsprop(0.001, 0.9, 0, 1e-7);

/** name → how to restore it, and which checkpoint values (by key pattern) legitimately stay unrestored. */
const CASES: Record<string, { restore: Restore; unrestored?: RegExp; consumed?: boolean }> = {
  'keras-bilstm-news-sharded': {
    restore: viaLoadWeights('keras-bilstm-news-sharded', () => compiled(bilstm())),
    consumed: true,
  },
  'keras-bilstm-news-savedmodel-sharded': {
    restore: viaLoadWeights(
      'keras-bilstm-news-savedmodel-sharded',
      () => compiled(bilstm()),
      (p) => path.dirname(path.dirname(p)),
    ),
    unrestored: /^keras_api\/metrics\//,
  },
  'keras-cnn-maxpool-mnist-sharded': {
    restore: viaLoadWeights('keras-cnn-maxpool-mnist-sharded', () =>
      compiled(
        seq([
          L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
          L.maxPooling2d({ poolSize: 2 }),
          L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
          L.maxPooling2d({ poolSize: 2 }),
          L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
          L.flatten(),
          L.dense({ units: 64, activation: 'relu' }),
          L.dense({ units: 10, activation: 'softmax' }),
        ]),
      ),
    ),
    consumed: true,
  },
  'keras-cnn-mnist-dropout-sharded': {
    restore: viaLoadWeights('keras-cnn-mnist-dropout-sharded', () => compiled(mnistCnn())),
    consumed: true,
  },
  'keras-cnn-mnist-savedmodel-sharded': {
    restore: viaLoadWeights('keras-cnn-mnist-savedmodel-sharded', mnistCnn, (p) => path.dirname(path.dirname(p))),
    consumed: true,
  },
  'keras-cnn-rescaling-asl-letters': {
    restore: viaLoadWeights('keras-cnn-rescaling-asl-letters', () => compiled(aslCnn(44))),
    consumed: true,
  },
  'keras-savedmodel-cnn-rescaling-asl': {
    restore: viaLoadWeights(
      'keras-savedmodel-cnn-rescaling-asl',
      () => compiled(aslCnn(26)),
      (p) => path.dirname(path.dirname(p)),
    ),
    unrestored: /^keras_api\/metrics\//,
  },
  // The learning rate is a PolynomialDecay schedule: its state is not a variable in the checkpoint.
  'keras-dqn-conv-rmsprop-lrschedule': {
    restore: viaLoadWeights('keras-dqn-conv-rmsprop-lrschedule', () => compiled(tetrisNet(), rmsprop())),
    consumed: true,
  },
  'keras-embedding-textclf': {
    restore: viaLoadWeights('keras-embedding-textclf', () =>
      compiled(
        seq([
          L.embedding({ inputDim: 10001, outputDim: 16, inputLength: 250 }),
          L.dropout({ rate: 0.2 }),
          L.globalAveragePooling1d({}),
          L.dropout({ rate: 0.2 }),
          L.dense({ units: 1 }),
        ]),
      ),
    ),
    consumed: true,
  },
  'keras-float64-dqn-newopt-2024': {
    restore: viaLoadWeights('keras-float64-dqn-newopt-2024', () =>
      compiled(
        seq([
          L.dense({ units: 32, activation: 'relu', inputShape: [403] }),
          L.dense({ units: 16, activation: 'relu' }),
          L.dense({ units: 4 }),
        ]),
        tf.train.adam(0.005),
      ),
    ),
    consumed: true,
  },
  'keras-lenet-sgd-newopt-2023': {
    restore: viaLoadWeights('keras-lenet-sgd-newopt-2023', () =>
      compiled(
        seq([
          L.conv2d({ filters: 6, kernelSize: 5, activation: 'tanh', inputShape: [28, 28, 1] }),
          L.averagePooling2d({ poolSize: 2, strides: 2 }),
          L.conv2d({ filters: 16, kernelSize: 5, activation: 'tanh' }),
          L.averagePooling2d({ poolSize: 2, strides: 2 }),
          L.flatten(),
          L.dense({ units: 120, activation: 'tanh' }),
          // Keras's Flatten of a flat input; tfjs's Flatten refuses rank 2, an identity Reshape holds its place.
          L.reshape({ targetShape: [120] }),
          L.dense({ units: 84, activation: 'tanh' }),
          L.dense({ units: 10, activation: 'softmax' }),
        ]),
        // Keras's SGD(momentum=0.0) still keeps (zero) momentum slots; tfjs's Momentum optimizer takes them.
        tf.train.momentum(0.1, 0),
      ),
    ),
    consumed: true,
  },
  'keras-lstm-rmsprop-sharded': {
    restore: viaLoadWeights('keras-lstm-rmsprop-sharded', () =>
      compiled(
        seq([
          L.embedding({ inputDim: 3000, outputDim: 128, inputLength: 3000 }),
          L.lstm({ units: 128, recurrentInitializer: 'zeros' }),
          L.dense({ units: 1 }),
          L.activation({ activation: 'sigmoid' }),
        ]),
        rmsprop(),
      ),
    ),
    consumed: true,
  },
  'keras-mlp-rmsprop-sharded-nocode': {
    restore: viaLoadWeights('keras-mlp-rmsprop-sharded-nocode', () =>
      compiled(
        seq([64, 64, 30, 20, 10, 1].map((units, i) => L.dense({ units, ...(i === 0 ? { inputShape: [20] } : {}) }))),
        rmsprop(),
      ),
    ),
    consumed: true,
  },
  'keras-mlp-tiny-mnist-sharded': {
    restore: viaLoadWeights('keras-mlp-tiny-mnist-sharded', () =>
      compiled(
        seq([
          L.dense({ units: 15, activation: 'relu', inputShape: [784] }),
          L.dense({ units: 10, activation: 'softmax' }),
        ]),
      ),
    ),
    consumed: true,
  },
  'keras-mlp-tiny-newopt-2023': {
    restore: viaLoadWeights('keras-mlp-tiny-newopt-2023', () =>
      compiled(
        seq([
          L.dense({ units: 10, activation: 'relu', inputShape: [2] }),
          L.dense({ units: 10, activation: 'relu' }),
          L.dense({ units: 1 }),
        ]),
      ),
    ),
    consumed: true,
  },
  'keras-savedmodel-in-cp.ckpt-dir-embedding-bn': {
    restore: viaLoadWeights(
      'keras-savedmodel-in-cp.ckpt-dir-embedding-bn',
      () =>
        compiled(
          seq([
            L.embedding({ inputDim: 10000, outputDim: 16, inputLength: 120 }),
            L.flatten(),
            L.dense({ units: 10, activation: 'relu' }),
            L.batchNormalization({ axis: 1 }),
            L.dense({ units: 1, activation: 'sigmoid' }),
          ]),
        ),
      (p) => path.dirname(path.dirname(p)),
    ),
    unrestored: /^keras_api\/metrics\//,
  },
  'keras-subclassed-actorcritic-noopt-2021': {
    // A subclassed Keras model names its layers by attribute: name the tfjs layers the same.
    restore: viaLoadWeights('keras-subclassed-actorcritic-noopt-2021', () => {
      const input = tf.input({ shape: [9] });
      const common = L.dense({ units: 128, activation: 'relu', name: 'common' }).apply(input) as tf.SymbolicTensor;
      const actor = L.dense({ units: 9, name: 'actor' }).apply(common) as tf.SymbolicTensor;
      const critic = L.dense({ units: 1, name: 'critic' }).apply(common) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: [actor, critic] });
    }),
    consumed: true,
  },
  'keras-tutorial-jbanderson-2019-noopt': {
    restore: viaLoadWeights('keras-tutorial-jbanderson-2019-noopt', () => compiled(tutorial())),
    consumed: true,
  },
  'keras-tutorial-nighthawks-2023-noopt': {
    restore: viaLoadWeights('keras-tutorial-nighthawks-2023-noopt', () => compiled(tutorial())),
    consumed: true,
  },
  'tfagents-policysaver-qnetwork': {
    // TF-Agents saves a plain list of variables: a plain JS structure expresses it.
    restore: async () => {
      const q = seq([
        L.dense({ units: 64, activation: 'relu', inputShape: [4] }),
        L.dense({ units: 64, activation: 'relu' }),
        L.dense({ units: 9 }),
      ]);
      const trainStep = tf.variable(tf.scalar(0, 'int32'));
      const status = await new Checkpoint({ root: { model_variables: q.weights, train_step: trainStep } }).restore(
        path.dirname(path.dirname(prefixOf('tfagents-policysaver-qnetwork'))),
      );
      return { status: status.expectPartial(), variables: [...q.weights, trainStep] as tf.Variable[] };
    },
  },
  'tfckpt-a3c-flappy-functional': {
    restore: async () => {
      const inputs = tf.input({ shape: [8], name: 'inputs' });
      const common = L.dense({ units: 128, activation: 'relu' }).apply(inputs) as tf.SymbolicTensor;
      const action = L.dense({ units: 2, activation: 'softmax', name: 'action_outputs' }).apply(
        common,
      ) as tf.SymbolicTensor;
      const critic = L.dense({ units: 1, name: 'value_output' }).apply(common) as tf.SymbolicTensor;
      const model = tf.model({ inputs, outputs: [action, critic] });
      const status = await new Checkpoint({ model, opt: tf.train.adam(0.001) }).restore(
        prefixOf('tfckpt-a3c-flappy-functional'),
      );
      return { status, variables: model.weights };
    },
    consumed: true,
  },
  'tfckpt-dqn-conv-step-net': {
    restore: async () => {
      const net = compiled(tetrisNet(), rmsprop());
      const step = tf.variable(tf.scalar(0, 'int32'));
      const status = await new Checkpoint({ step, net }).restore(prefixOf('tfckpt-dqn-conv-step-net'));
      return { status, variables: [...net.weights, step] as tf.Variable[] };
    },
    consumed: true,
  },
  'tfckpt-guide-net-iterator': {
    // The dataset iterator (a variant tensor) has no tfjs counterpart.
    restore: async () => {
      const input = tf.input({ shape: [1] });
      const net = tf.model({
        inputs: input,
        outputs: L.dense({ units: 5, name: 'l1' }).apply(input) as tf.SymbolicTensor,
      });
      const step = tf.variable(tf.scalar(0, 'int32'));
      const status = await new Checkpoint({ step, optimizer: tf.train.adam(0.1), net }).restore(
        prefixOf('tfckpt-guide-net-iterator'),
      );
      return { status, variables: [...net.weights, step] as tf.Variable[] };
    },
    unrestored: /^iterator\//,
  },
  'tfckpt-subclassed-actor-critic-2025': {
    restore: async () => {
      const input = (): tf.SymbolicTensor => tf.input({ shape: [1] });
      const ai = input();
      const h = L.dense({ units: 5, activation: 'elu', name: 'hidden1' }).apply(ai) as tf.SymbolicTensor;
      const actor = tf.model({
        inputs: ai,
        outputs: [
          L.dense({ units: 1, name: 'mu_layer' }).apply(h),
          L.dense({ units: 1, name: 'std_layer' }).apply(h),
        ] as tf.SymbolicTensor[],
      });
      const ci = input();
      let x: tf.SymbolicTensor = ci;
      for (let i = 1; i <= 5; i++) x = L.dense({ units: 5, name: `hidden${i}` }).apply(x) as tf.SymbolicTensor;
      const critic = tf.model({
        inputs: ci,
        outputs: L.dense({ units: 1, name: 'value_layer' }).apply(x) as tf.SymbolicTensor,
      });
      const actorOptimizer = tf.train.adam(0.001);
      const criticOptimizer = tf.train.adam(0.01);
      // Two models and two optimizers: say which optimizer updates which variables.
      setOptimizerVariables(actorOptimizer, actor.trainableWeights);
      setOptimizerVariables(criticOptimizer, critic.trainableWeights);
      const episodeCounter = tf.variable(tf.scalar(0, 'int32'));
      const status = await new Checkpoint({
        episode_counter: episodeCounter,
        actor,
        critic,
        actor_optimizer: actorOptimizer,
        critic_optimizer: criticOptimizer,
      }).restore(prefixOf('tfckpt-subclassed-actor-critic-2025'));
      return { status, variables: [...actor.weights, ...critic.weights, episodeCounter] as tf.Variable[] };
    },
    consumed: true,
  },
  'tfckpt-tictactoe-2023': {
    restore: async () => {
      const net = compiled(
        seq([L.dense({ units: 9, activation: 'relu', inputShape: [9] }), L.dense({ units: 9, activation: 'softmax' })]),
      );
      const step = tf.variable(tf.scalar(0, 'int32'));
      const status = await new Checkpoint({ step, optimizer: tf.train.adam(), net }).restore(
        prefixOf('tfckpt-tictactoe-2023'),
      );
      return { status, variables: [...net.weights, step] as tf.Variable[] };
    },
    consumed: true,
  },
};

/** sha256 of the value TensorFlow holds for `key`, as tfjs would hold it (float64 → float32, int64 → int32). */
async function expectedSha(reader: CheckpointReader, key: string, oracleSha: string): Promise<string> {
  const value = await reader.getTensor(key);
  if (value.dtype === 'float32' || value.dtype === 'int32') return oracleSha;
  const converted =
    value.dtype === 'float64' ? Float32Array.from(value.data) : Int32Array.from(value.data as BigInt64Array, Number);
  return createHash('sha256').update(new Uint8Array(converted.buffer)).digest('hex');
}

(corpusAvailable() ? describe : describe.skip)(
  'Keras checkpoints from the shared corpus restore into tfjs models',
  () => {
    let previous: ReturnType<typeof setLogger>;
    let warnings: string[] = [];
    beforeAll(() => {
      previous = setLogger({ warn: (m) => warnings.push(m) });
    });
    afterAll(() => setLogger(previous));
    beforeEach(() => {
      warnings = [];
    });

    it.each(Object.keys(CASES))('%s', async (name) => {
      const ckpt = listCheckpointDirs(CORPUS_DIR).find((c) => c.name === name)!;
      const { status, variables } = await CASES[name]!.restore();
      const report = status.report();
      // Every weight of the tfjs model received a value…
      expect(report.liveVariablesWithoutValue).toEqual([]);
      // …identical to TensorFlow's.
      const shaByKey = new Map(ckpt.oracle!.tensors!.map((t) => [t.key, t.sha256!]));
      const byName = new Map(variables.map((v) => [v.name, v]));
      const reader = await CheckpointReader.open(ckpt.prefix);
      try {
        let checked = 0;
        for (const r of report.restored) {
          const m = /'([^']+)'/.exec(r.target);
          const variable = m ? byName.get(m[1]!) : undefined;
          if (variable === undefined) continue;
          const tensor = 'read' in variable ? variable.read() : variable;
          const data = await tensor.data();
          const sha = createHash('sha256')
            .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
            .digest('hex');
          expect([r.key, sha]).toEqual([r.key, await expectedSha(reader, r.key, shaByKey.get(r.key)!)]);
          checked++;
        }
        expect(checked).toBe(variables.length);
      } finally {
        await reader.close();
      }
      // What stayed in the checkpoint is only what tfjs has no place for.
      const pattern = CASES[name]!.unrestored;
      for (const u of report.unrestoredCheckpointValues)
        expect([u.key, pattern?.test(u.key) ?? false]).toEqual([u.key, true]);
      if (CASES[name]!.consumed) status.assertConsumed();
      status.assertExistingObjectsMatched();
      // No "Inconsistent references": each checkpoint node found exactly one live object (older Keras 2
      // Sequential checkpoints number their InputLayer as layer-0; the shift is recognised).
      expect(warnings.filter((w) => w.startsWith('Inconsistent'))).toEqual([]);
    });

    it('keras-subclass-unbuilt-empty: the layer matches but no value comes, as in TensorFlow', async () => {
      // Saved before the model was built: the graph has the node `l1` and no values.
      const input = tf.input({ shape: [3] });
      const model = tf.model({
        inputs: input,
        outputs: L.dense({ units: 5, name: 'l1' }).apply(input) as tf.SymbolicTensor,
      });
      const status = await loadWeights(model, prefixOf('keras-subclass-unbuilt-empty'));
      expect(status.report().restored).toEqual([]);
      // (tfjs suffixes weight names with _N when an earlier model had a layer of the same name.)
      expect(() => status.assertExistingObjectsMatched()).toThrow(
        /^Found 2 Python objects that were not bound to checkpointed values, likely due to changes in the Python program\. Showing 2 of 2 unmatched objects: \[<LayerVariable 'l1\/kernel(_\d+)?' shape=\[3,5\] dtype=float32>, <LayerVariable 'l1\/bias(_\d+)?' shape=\[5\] dtype=float32>\]$/,
      );
      // With a model that has nothing by that name, nothing but the root matches.
      const other = tf.sequential({ layers: [L.dense({ units: 2, inputShape: [3], name: 'other' })] });
      await expect(loadWeights(other, prefixOf('keras-subclass-unbuilt-empty'))).rejects.toThrow(
        /^Nothing except the root object matched a checkpointed value\. Typically this means that the checkpoint does not match the Python program\. The following objects have no matching checkpointed value: \[<LayerVariable 'other\/kernel'/,
      );
    });
  },
);

(corpusAvailable() ? describe : describe.skip)('optimizer state from the shared corpus', () => {
  let previous: ReturnType<typeof setLogger>;
  beforeAll(() => {
    previous = setLogger({ warn: () => undefined });
  });
  afterAll(() => setLogger(previous));

  /** The tfjs optimizer's slot of group `g` for weight `i`, as getWeights() lays them out ([iter, …g0, …g1]). */
  async function slot(optimizer: tf.Optimizer, model: tf.LayersModel, g: number, i: number): Promise<Float32Array> {
    const weights = await optimizer.getWeights();
    return (await weights[1 + g * model.trainableWeights.length + i]!.tensor.data()) as Float32Array;
  }

  it('legacy Keras Adam slots (m, v through slot_variables) land at each weight`s position, iterations too', async () => {
    const name = 'keras-mlp-tiny-mnist-sharded';
    const adam = tf.train.adam();
    const model = compiled(
      seq([
        L.dense({ units: 15, activation: 'relu', inputShape: [784] }),
        L.dense({ units: 10, activation: 'softmax' }),
      ]),
      adam,
    );
    (await loadWeights(model, prefixOf(name))).assertConsumed();
    const reader = await CheckpointReader.open(prefixOf(name));
    try {
      const iter = await reader.getTensor('optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE');
      expect(adam.iterations).toBe(Number((iter.data as BigInt64Array)[0]));
      const v = await reader.getTensor(
        'layer_with_weights-1/kernel/.OPTIMIZER_SLOT/optimizer/v/.ATTRIBUTES/VARIABLE_VALUE',
      );
      expect(await slot(adam, model, 1, 2)).toEqual(v.data);
      const m = await reader.getTensor(
        'layer_with_weights-0/bias/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE',
      );
      expect(await slot(adam, model, 0, 1)).toEqual(m.data);
    } finally {
      await reader.close();
    }
  });

  it('Keras >= 2.11 Adam lists (_momentums, _velocities) land by position', async () => {
    const name = 'keras-mlp-tiny-newopt-2023';
    const adam = tf.train.adam();
    const model = compiled(
      seq([
        L.dense({ units: 10, activation: 'relu', inputShape: [2] }),
        L.dense({ units: 10, activation: 'relu' }),
        L.dense({ units: 1 }),
      ]),
      adam,
    );
    (await loadWeights(model, prefixOf(name))).assertConsumed();
    const reader = await CheckpointReader.open(prefixOf(name));
    try {
      // _variables = [iterations, m0, v0, m1, v1, …]: weight 2 (second kernel) has m at 5 and v at 6.
      expect(await slot(adam, model, 0, 2)).toEqual(
        (await reader.getTensor('optimizer/_variables/5/.ATTRIBUTES/VARIABLE_VALUE')).data,
      );
      expect(await slot(adam, model, 1, 2)).toEqual(
        (await reader.getTensor('optimizer/_variables/6/.ATTRIBUTES/VARIABLE_VALUE')).data,
      );
    } finally {
      await reader.close();
    }
  });

  it('legacy RMSprop rms slots, with tfjs`s unused momentum slots left at zero', async () => {
    const name = 'keras-mlp-rmsprop-sharded-nocode';
    const opt = rmsprop();
    const model = compiled(
      seq([64, 64, 30, 20, 10, 1].map((units, i) => L.dense({ units, ...(i === 0 ? { inputShape: [20] } : {}) }))),
      opt,
    );
    (await loadWeights(model, prefixOf(name))).assertConsumed();
    const reader = await CheckpointReader.open(prefixOf(name));
    try {
      const rms = await reader.getTensor(
        'layer_with_weights-3/kernel/.OPTIMIZER_SLOT/optimizer/rms/.ATTRIBUTES/VARIABLE_VALUE',
      );
      expect(await slot(opt, model, 0, 6)).toEqual(rms.data);
      expect(Array.from(await slot(opt, model, 1, 6)).every((x) => x === 0)).toBe(true);
    } finally {
      await reader.close();
    }
  });
});

(corpusAvailable() ? describe : describe.skip)('report names optimizer slots as TensorFlow does', () => {
  it('lists unrestored slot values as "(root).optimizer`s state `m` for (root).layer_with_weights-0.kernel"', async () => {
    const previous = setLogger({ warn: () => undefined });
    try {
      const model = seq([
        L.dense({ units: 15, activation: 'relu', inputShape: [784] }),
        L.dense({ units: 10, activation: 'softmax' }),
      ]);
      const status = (await loadWeights(model, prefixOf('keras-mlp-tiny-mnist-sharded'))).expectPartial();
      const paths = status.report().unrestoredCheckpointValues.map((u) => u.path);
      expect(paths).toContain("(root).optimizer's state 'm' for (root).layer_with_weights-0.kernel");
      expect(paths).toContain("(root).optimizer's state 'v' for (root).layer_with_weights-1.bias");
      expect(paths).toContain('(root).optimizer.iter');
      expect(() => status.assertConsumed()).toThrow(
        /^Unresolved object in checkpoint \(root\)\.optimizer\.iter: attributes \{/,
      );
    } finally {
      setLogger(previous);
    }
  });
});
