/**
 * The Keras layers tfjs lacks (src/keras/layers) against Keras 3's own numbers: models written by Keras 3.15 with
 * seeded random weights (test/fixtures/keras_layers.py) restore from their TF checkpoints into the equivalent tfjs
 * models, which then predict what Keras predicted; the same models survive a tfjs save + tf.loadLayersModel, and
 * every layer's config round-trips.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { Checkpoint, loadWeights } from '../src';
import { registerKerasLayers } from '../src/keras';
import {
  EinsumDense,
  KerasGRU,
  KerasGRUCell,
  LayerScale,
  MultiHeadAttention,
  Normalization,
} from '../src/keras/layers';
import { CORPUS_DIR, corpusAvailable } from './helpers/shared';
import { tfAvailable, tfJudge } from './helpers/tf';
import { runCli as cli } from './helpers/cli';
import { loadConverted } from './helpers/converted_model';

const L = tf.layers;
const FIXTURES = path.resolve(__dirname, 'fixtures/keras-layers');
const CLASS_NAMES = ['KerasGRU', 'KerasGRUCell', 'Normalization', 'EinsumDense', 'MultiHeadAttention', 'LayerScale'];

interface Case {
  inputs: unknown[];
  outputs: unknown[];
}

function fixture(name: string): { prefix: string; data: Case } {
  const dir = path.join(FIXTURES, name);
  return {
    prefix: path.join(dir, 'ckpt'),
    data: JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) as Case,
  };
}

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]): Sym => layer.apply(x) as Sym;

/** The tfjs models equivalent to keras_layers.py's Keras ones. */
const MODELS: Record<string, () => tf.LayersModel> = {
  'gru-stack': () =>
    tf.sequential({
      layers: [
        new KerasGRU({ units: 6, returnSequences: true, inputShape: [7, 5] }),
        new KerasGRU({ units: 4, goBackwards: true }),
        L.dense({ units: 3 }),
      ],
    }),
  'gru-variants': () => {
    const x = tf.input({ shape: [6, 4] });
    const [seq, state] = new KerasGRU({ units: 5, returnSequences: true, returnState: true }).apply(x) as Sym[];
    const noBias = apply(
      new KerasGRU({ units: 3, useBias: false, activation: 'relu', recurrentActivation: 'softsign' }),
      seq!,
    );
    const before = apply(new KerasGRU({ units: 3, resetAfter: false }), x);
    return tf.model({ inputs: x, outputs: [seq!, state!, noBias, before] });
  },
  'gru-bidirectional': () =>
    tf.sequential({
      layers: [
        L.bidirectional({ layer: new KerasGRU({ units: 4, returnSequences: true }), inputShape: [7, 5] }),
        L.bidirectional({ layer: new KerasGRU({ units: 3 }), mergeMode: 'sum' }),
        L.dense({ units: 2 }),
      ],
    }),
  normalization: () => {
    const x = tf.input({ shape: [5, 4] });
    const outputs = [
      new Normalization({ axis: -1 }),
      new Normalization({ axis: [1, 2] }),
      new Normalization({ axis: null }),
      new Normalization({ axis: -1, invert: true }),
      new Normalization({ mean: [0.5, -1.0, 2.0, 0.0], variance: [4.0, 0.25, 1.0, 0.01] }),
      new Normalization({ axis: 1, mean: 1.5, variance: 2.0 }),
    ].map((layer) => apply(layer, x));
    return tf.model({ inputs: x, outputs });
  },
  'einsum-dense': () => {
    const x = tf.input({ shape: [6, 8] });
    const outputs = [
      new EinsumDense({ equation: 'abc,cd->abd', outputShape: [null, 5], biasAxes: 'd', activation: 'relu' }),
      new EinsumDense({ equation: 'abc,cde->abde', outputShape: [null, 2, 3], biasAxes: 'de' }),
      new EinsumDense({ equation: '...b,bc->...c', outputShape: 4, biasAxes: 'c', activation: 'tanh' }),
      new EinsumDense({ equation: 'abc,bcd->ad', outputShape: 7 }),
      new EinsumDense({ equation: 'abc,cd->abd', outputShape: [6, 3], biasAxes: 'b' }),
    ].map((layer) => apply(layer, x));
    return tf.model({ inputs: x, outputs });
  },
  'mha-self': () => {
    const x = tf.input({ shape: [6, 8] });
    return tf.model({ inputs: x, outputs: apply(new MultiHeadAttention({ numHeads: 2, keyDim: 4 }), [x, x]) });
  },
  'mha-cross': () => {
    const [q, v, k] = [tf.input({ shape: [5, 8] }), tf.input({ shape: [7, 6] }), tf.input({ shape: [7, 3] })];
    const mha = new MultiHeadAttention({ numHeads: 3, keyDim: 4, valueDim: 2, outputShape: [9] });
    return tf.model({ inputs: [q, v, k], outputs: apply(mha, [q, v, k]) });
  },
  'mha-causal': () => {
    const x = tf.input({ shape: [6, 8] });
    const y = apply(new MultiHeadAttention({ numHeads: 2, keyDim: 3, dropout: 0.3, useCausalMask: true }), [x, x]);
    const z = apply(new MultiHeadAttention({ numHeads: 2, keyDim: 3, useBias: false, useCausalMask: true }), [y, y]);
    return tf.model({ inputs: x, outputs: [y, z] });
  },
  'mha-mask': () => {
    const [x, m] = [tf.input({ shape: [6, 8] }), tf.input({ shape: [6, 6] })];
    return tf.model({
      inputs: [x, m],
      outputs: apply(new MultiHeadAttention({ numHeads: 2, keyDim: 4 }), [x, x, x, m]),
    });
  },
  'mha-axes': () => {
    const x = tf.input({ shape: [3, 4, 8] });
    const a = apply(new MultiHeadAttention({ numHeads: 2, keyDim: 3 }), [x, x]);
    const b = apply(new MultiHeadAttention({ numHeads: 2, keyDim: 3, attentionAxes: [2] }), [x, x]);
    return tf.model({ inputs: x, outputs: [a, b] });
  },
  'transformer-block': () => {
    const x = tf.input({ shape: [6, 8] });
    let h = apply(new MultiHeadAttention({ numHeads: 2, keyDim: 4 }), [x, x]);
    h = apply(L.layerNormalization({ epsilon: 1e-6 }), apply(L.add(), [x, h]));
    let f = apply(L.dense({ units: 16, activation: 'gelu' }), h);
    f = apply(L.dense({ units: 8 }), f);
    return tf.model({ inputs: x, outputs: apply(L.layerNormalization({ epsilon: 1e-6 }), apply(L.add(), [h, f])) });
  },
  'mha-keras-mask': () => {
    const t = tf.input({ shape: [6] });
    const e = apply(L.embedding({ inputDim: 20, outputDim: 8, maskZero: true }), t);
    return tf.model({ inputs: t, outputs: apply(new MultiHeadAttention({ numHeads: 2, keyDim: 4 }), [e, e]) });
  },
  'mha-gate-window': () => {
    const x = tf.input({ shape: [6, 8] });
    const mha = new MultiHeadAttention({
      numHeads: 2,
      keyDim: 4,
      useGate: true,
      slidingWindow: 2,
      useCausalMask: true,
    });
    return tf.model({ inputs: x, outputs: apply(mha, [x, x]) });
  },
  'gru-masked': () => {
    const t = tf.input({ shape: [6] });
    let e = apply(L.embedding({ inputDim: 20, outputDim: 5, maskZero: true }), t);
    // Keras 3 records the mask's NotEqual as operation 2 of the model; a no-op layer here keeps the GRUs at 3 and 4.
    e = apply(L.activation({ activation: 'linear' }), e);
    const y = apply(new KerasGRU({ units: 4, returnSequences: true }), e);
    return tf.model({ inputs: t, outputs: [y, apply(new KerasGRU({ units: 3 }), y)] });
  },
  'layer-scale': () => {
    const x = tf.input({ shape: [4, 4, 8] });
    const y = apply(L.conv2d({ filters: 8, kernelSize: 1 }), x);
    return tf.model({ inputs: x, outputs: apply(new LayerScale({ initValues: 1e-6, projectionDim: 8 }), y) });
  },
};

/** Issue 11's measure: max |Δ| / max(1, max |y|) over every output. */
function relativeError(actual: number[], expected: number[]): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 1;
  actual.forEach((a, i) => {
    diff = Math.max(diff, Math.abs(a - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  });
  return diff / scale;
}

/** Each output's values. */
function predict(model: tf.LayersModel, inputs: unknown[]): number[][] {
  const xs = inputs.map((x) => tf.tensor(x as number[]));
  const ys = model.predict(xs.length === 1 ? xs[0]! : xs);
  const out = (Array.isArray(ys) ? ys : [ys]).map((y) => Array.from(y.dataSync()));
  tf.dispose([xs, ys]);
  return out;
}

/** The largest relative error over the outputs, each measured on its own scale. */
function outputsError(actual: number[][], expected: unknown[]): number {
  expect(actual.length).toBe(expected.length);
  return Math.max(...actual.map((a, i) => relativeError(a, flat(expected[i]))));
}

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);

/** The layers to check, including those inside wrappers. */
function ourLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers
    .flatMap((l) => {
      const inner = l as unknown as { forwardLayer?: tf.layers.Layer; backwardLayer?: tf.layers.Layer };
      return inner.forwardLayer ? [inner.forwardLayer, inner.backwardLayer!] : [l];
    })
    .filter((l) => CLASS_NAMES.includes(l.getClassName()));
}

const errors: Record<string, number> = {};
afterAll(() => {
  process.stderr.write(
    `\nKeras layers, max relative error vs Keras 3 after restoring its checkpoint:\n${Object.entries(errors)
      .map(([k, v]) => `  ${k.padEnd(20)} ${v.toExponential(2)}`)
      .join('\n')}\n`,
  );
});

describe('Keras layers tfjs lacks, judged by Keras 3', () => {
  it('are registered with tf.serialization once the package is imported', () => {
    expect(registerKerasLayers()).toBe(true);
    const registry = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const name of CLASS_NAMES) expect(registry[name]).toBeDefined();
  });

  it.each(Object.keys(MODELS))(
    '%s restores from its Keras 3 checkpoint and predicts like Keras (1e-5 relative)',
    async (name) => {
      const { prefix, data } = fixture(name);
      const model = MODELS[name]!();
      const before = predict(model, data.inputs);
      const status = await new Checkpoint({ model }).restore(prefix);
      status.assertConsumed();
      expect(status.report().liveVariablesWithoutValue).toEqual([]);
      // The restored values matter: the fresh model does not already agree.
      expect(outputsError(before, data.outputs)).toBeGreaterThan(1e-3);
      const err = outputsError(predict(model, data.inputs), data.outputs);
      errors[name] = err;
      expect(err).toBeLessThan(1e-5);
    },
  );

  it.each(Object.keys(MODELS))(
    '%s survives model.save and tf.loadLayersModel, and its layers round-trip their config',
    async (name) => {
      const { prefix, data } = fixture(name);
      const model = MODELS[name]!();
      await new Checkpoint({ model }).restore(prefix);
      let artifacts: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
      expect(outputsError(predict(loaded, data.inputs), data.outputs)).toBeLessThan(1e-5);

      const registry = tf.serialization.SerializationMap.getMap().classNameMap;
      const layers = ourLayers(model);
      expect(layers.length).toBeGreaterThan(0);
      for (const layer of layers) {
        const [cls, fromConfig] = registry[layer.getClassName()]!;
        const copy: unknown = fromConfig(cls, layer.getConfig());
        if (!(copy instanceof tf.layers.Layer)) throw new Error(`${layer.getClassName()}.fromConfig made no layer`);
        expect(copy.getClassName()).toBe(layer.getClassName());
        expect(copy.getConfig()).toEqual(layer.getConfig());
      }
    },
  );
});

describe('KerasGRU', () => {
  it("restores the Keras 3 GRU (reset_after=True) and Adam state that tfjs's GRU refuses, and predicts like Keras", async () => {
    const dir = path.resolve(__dirname, 'fixtures/tf/k3-gru-reset-after');
    const oracle = JSON.parse(fs.readFileSync(path.join(dir, '_TF_ORACLE.json'), 'utf8')) as {
      input: number[][][];
      predictions: number[][];
    };
    const model = tf.sequential({ layers: [new KerasGRU({ units: 6, inputShape: [7, 5] }), L.dense({ units: 2 })] });
    model.compile({ optimizer: tf.train.adam(0.001), loss: 'meanSquaredError' });
    const status = await new Checkpoint({ model }).restore(path.join(dir, 'ckpt'));
    status.assertConsumed();
    expect(outputsError(predict(model, [oracle.input]), [oracle.predictions])).toBeLessThan(1e-5);
  });
});

describe('KerasGRU state', () => {
  it('stateful: two calls on the halves of a sequence end where one call on the whole sequence does', () => {
    const weights = new KerasGRU({ units: 3, inputShape: [6, 2] });
    const whole = tf.sequential({ layers: [weights] });
    const stateful = new KerasGRU({ units: 3, stateful: true, batchInputShape: [2, 3, 2] });
    tf.sequential({ layers: [stateful] });
    stateful.setWeights(weights.getWeights().map((w) => tf.randomNormal(w.shape, 0, 0.7, 'float32', 7)));
    weights.setWeights(stateful.getWeights());
    const x = tf.randomNormal([2, 6, 2], 0, 1, 'float32', 3);
    const [first, second] = tf.split(x, 2, 1) as [tf.Tensor, tf.Tensor];
    stateful.apply(first);
    const end = stateful.apply(second) as tf.Tensor;
    const expected = whole.predict(x) as tf.Tensor;
    expect(relativeError(Array.from(end.dataSync()), Array.from(expected.dataSync()))).toBeLessThan(1e-6);
    stateful.resetStates();
    expect(
      relativeError(Array.from((stateful.apply(second) as tf.Tensor).dataSync()), Array.from(end.dataSync())),
    ).toBeGreaterThan(1e-3);
  });
});

describe('MultiHeadAttention', () => {
  it("takes use_causal_mask from a model JSON node's kwargs, and predict applies it", async () => {
    const { prefix, data } = fixture('mha-causal');
    const json = MODELS['mha-causal']!().toJSON(null, false) as unknown as {
      config: { layers: Array<{ class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[][][] }> };
    };
    // As a translated Keras model has it: the flag on the call, not in the layer config.
    for (const layer of json.config.layers.filter((l) => l.class_name === 'MultiHeadAttention')) {
      delete layer.config['useCausalMask'];
      for (const node of layer.inbound_nodes) for (const input of node) input[3] = { use_causal_mask: true };
    }
    const model = await tf.models.modelFromJSON({ modelTopology: json } as never);
    await new Checkpoint({ model }).restore(prefix);
    expect(outputsError(predict(model, data.inputs), data.outputs)).toBeLessThan(1e-5);
  });

  it("counts its sublayers' regularizers among the model's losses", () => {
    const x = tf.input({ shape: [6, 8] });
    const mha = new MultiHeadAttention({
      numHeads: 2,
      keyDim: 4,
      kernelRegularizer: { className: 'L1L2', config: { l1: 0, l2: 0.1 } },
    });
    const model = tf.model({ inputs: x, outputs: apply(mha, [x, x]) });
    const losses = model.calculateLosses().map((l) => l.dataSync()[0]!);
    const expected = mha.sublayers().map((l) => 0.1 * tf.sum(tf.square(l.kernel!.read())).dataSync()[0]!);
    expect(losses.length).toBe(4);
    losses.forEach((l, i) => expect(l).toBeCloseTo(expected[i]!, 5));
  });

  it('refuses one layer applied both with and without the causal mask', () => {
    const x = tf.input({ shape: [6, 8] });
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 3 });
    mha.apply([x, x], { useCausalMask: true });
    expect(() => mha.apply([x, x], { useCausalMask: false })).toThrow(/both with and without use_causal_mask/);
  });
});

describe('EinsumDense', () => {
  it('refuses LoRA and quantized kernels, whose weights it cannot hold', () => {
    expect(() => new EinsumDense({ equation: 'ab,bc->ac', outputShape: 4, loraRank: 2 })).toThrow(
      /LoRA and quantized kernels are not supported/,
    );
  });
});

describe('KerasGRUCell', () => {
  it('is the cell of KerasGRU and keeps Keras weight names and shapes', () => {
    const gru = new KerasGRU({ units: 3 });
    const model = tf.sequential({ layers: [L.inputLayer({ inputShape: [4, 2] }), gru] });
    expect(gru.cell).toBeInstanceOf(KerasGRUCell);
    expect(model.weights.map((w) => [w.originalName.split('/').pop(), w.shape])).toEqual([
      ['kernel', [2, 9]],
      ['recurrent_kernel', [3, 9]],
      ['bias', [2, 9]],
    ]);
  });
});

const withTf = tfAvailable() ? it : it.skip;

describe('the CLI on models with these layers', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keras-layers-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(Object.keys(MODELS))('%s: diff exits 0 and convert writes a model that predicts like Keras', async (name) => {
    const { prefix, data } = fixture(name);
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify({ modelTopology: MODELS[name]!().toJSON(null, false) }));
    const diff = await cli(['diff', prefix, '--model', file]);
    expect([diff.code, diff.err]).toEqual([0, '']);
    expect(diff.out).toContain('Every model weight has a value in the checkpoint.');
    const outDir = path.join(dir, name);
    expect((await cli(['convert', prefix, '--model', file, '--out', outDir])).code).toBe(0);
    const model = await loadConverted(outDir);
    expect(outputsError(predict(model, data.inputs), data.outputs)).toBeLessThan(1e-5);
  });
});

describe('what tfjs saves for these layers', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keras-layers-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  withTf('Keras 3 restores (Keras 3 layout) and predicts what it predicted before', async () => {
    const cases: Array<{ prefix: string; case: string; inputs: unknown[] }> = [];
    for (const name of Object.keys(MODELS)) {
      const { prefix, data } = fixture(name);
      const model = MODELS[name]!();
      await new Checkpoint({ model }).restore(prefix);
      const out = await new Checkpoint({ model }).write(path.join(dir, name, 'ckpt'), { layout: 'keras3' });
      cases.push({ prefix: out, case: name, inputs: data.inputs });
    }
    const { results } = tfJudge<{ results: Array<Record<string, unknown>> }>('keras_layer_restore', { cases });
    results.forEach((judged, i) => {
      const name = cases[i]!.case;
      expect([name, judged['assert_existing_objects_matched']]).toEqual([name, null]);
      const expected = fixture(name).data.outputs;
      const got = (judged['outputs'] as unknown[]).map(flat);
      expect([name, outputsError(got, expected) < 1e-5]).toEqual([name, true]);
    });
  });
});

describe('a Keras 2 checkpoint with Normalization (../shared corpus)', () => {
  const name = 'keras-savedmodel-regression-normalization-2023';
  const dir = path.join(CORPUS_DIR, name);
  const ready = corpusAvailable() && fs.existsSync(dir) && tfAvailable();
  if (!ready) process.stderr.write(`\nSKIPPED: ${name} needs the ../shared corpus and Python TensorFlow\n`);
  (ready ? it : it.skip)(
    'restores into a tfjs Normalization model that then predicts what TensorFlow runs from the SavedModel',
    async () => {
      const model = tf.sequential({
        layers: [
          new Normalization({ axis: -1, inputShape: [8] }),
          L.dense({ units: 64, activation: 'relu' }),
          L.dense({ units: 64, activation: 'relu' }),
          L.dense({ units: 1 }),
        ],
      });
      // A SavedModel's variables have the model as their root, as model.load_weights reads them.
      const status = await loadWeights(model, path.join(dir, 'variables', 'variables'));
      status.assertExistingObjectsMatched();
      expect(status.report().liveVariablesWithoutValue).toEqual([]);
      // The Keras model's optimizer and metrics stay behind, as intended.
      status.expectPartial();
      // Concrete-mix features on their natural scales (cement, slag, ash, water, plasticizer, aggregates, age).
      const input = [
        [540, 0, 0, 162, 2.5, 1040, 676, 28],
        [332.5, 142.5, 0, 228, 0, 932, 594, 270],
        [198.6, 132.4, 0, 192, 0, 978.4, 825.5, 90],
      ];
      const judged = tfJudge<{ output: number[][] }>('savedmodel_predict', { dir, input });
      const ours = predict(model, [input]);
      expect(outputsError(ours, [judged.output])).toBeLessThan(1e-5);
    },
  );
});

describe('without tfjs-layers', () => {
  it('the package still loads for reading, and registerKerasLayers reports that it registered nothing', () => {
    // A second copy of tfjs-core loads in the isolated registry and warns that it sets the platform again.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    jest.isolateModules(() => {
      jest.doMock('@tensorflow/tfjs-layers', () => {
        throw Object.assign(
          new Error("Cannot find module '@tensorflow/tfjs-layers' from 'src/keras/layers/einsum_dense.ts'"),
          { code: 'MODULE_NOT_FOUND' },
        );
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pkg = require('../src') as typeof import('../src');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const keras = require('../src/keras') as typeof import('../src/keras');
      expect(keras.registerKerasLayers()).toBe(false);
      expect(typeof pkg.CheckpointReader).toBe('function');
    });
    warn.mockRestore();
  });
});
