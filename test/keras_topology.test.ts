/**
 * kerasToTfjsTopology and loadKerasModel on committed Keras output (test/fixtures/keras3/functional.json, written by
 * Keras 3.15's model.to_json(); see generate.py next to it), a Keras 2 / tf.keras JSON and a .keras archive. The
 * numbers are judged against Keras in test/keras_zoo.test.ts; here: the translated graph and the errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';

import { Checkpoint, CheckpointReader, CorruptCheckpointError, InvalidArgumentError, MemoryFileSystem } from '../src';
import { kerasOperationOrder, kerasToTfjsTopology, loadKerasModel } from '../src/keras';

const FUNCTIONAL = fs.readFileSync(path.join(__dirname, 'fixtures', 'keras3', 'functional.json'), 'utf8');

type Layer = { class_name: string; name: string; config: Record<string, unknown>; inbound_nodes: unknown[] };
const layersOf = (t: { config: Record<string, unknown> }): Layer[] => t.config['layers'] as Layer[];

/** A tf.keras 2 Sequential as its to_json() writes it: InputLayer first, batch_input_shape, string dtypes. */
const KERAS2_SEQUENTIAL = {
  class_name: 'Sequential',
  config: {
    name: 'sequential',
    layers: [
      {
        class_name: 'InputLayer',
        config: { batch_input_shape: [null, 3], dtype: 'float32', sparse: false, ragged: false, name: 'dense_input' },
      },
      {
        class_name: 'Dense',
        config: {
          name: 'dense',
          trainable: true,
          dtype: 'float32',
          units: 3,
          activation: 'hard_sigmoid',
          use_bias: false,
          kernel_initializer: { class_name: 'Identity', config: { gain: 1.0 } },
          bias_initializer: { class_name: 'Zeros', config: {} },
          kernel_regularizer: null,
          bias_regularizer: null,
          activity_regularizer: null,
          kernel_constraint: null,
          bias_constraint: null,
        },
      },
    ],
  },
  keras_version: '2.15.0',
  backend: 'tensorflow',
};

describe('kerasToTfjsTopology on Keras 3 JSON', () => {
  const topology = kerasToTfjsTopology(FUNCTIONAL);
  const byName = new Map(layersOf(topology).map((l) => [l.name, l]));

  it('reads inputs/outputs, a shared layer`s second call and a nested model`s call (tfjs counts its own graph first)', () => {
    expect(topology.config['input_layers']).toEqual([
      ['a', 0, 0],
      ['b', 0, 0],
      ['input_layer_1', 0, 0],
    ]);
    expect(topology.config['output_layers']).toEqual([
      ['dense_4', 0, 0],
      ['inner', 1, 0],
    ]);
    expect(byName.get('concatenate')!.inbound_nodes).toEqual([
      [
        ['shared', 0, 0, {}],
        ['shared', 1, 0, {}],
      ],
    ]);
    expect(byName.get('shared')!.inbound_nodes).toHaveLength(2);
    expect(byName.get('inner')!.class_name).toBe('Sequential');
  });

  it('drops the NotEqual that only computes the Embedding`s mask (tfjs propagates it), and keeps it in Keras`s operation order', () => {
    expect(byName.has('not_equal')).toBe(false);
    expect(byName.get('lstm')!.inbound_nodes).toEqual([[['embedding', 0, 0, {}]]]);
    const [root] = [...kerasOperationOrder(FUNCTIONAL).values()];
    expect(root![5]).toBe('not_equal');
  });

  it('translates batch_shape, DTypePolicy objects, initializer/regularizer objects and Keras 3 activation names', () => {
    expect(byName.get('a')!.config['batch_input_shape']).toEqual([null, 8]);
    expect(byName.get('dense_4')!.config['activation']).toBe('hard_silu');
    expect(byName.get('dense_4')!.config['dtype']).toBe('float32');
    expect(byName.get('dense_4')!.config['kernel_initializer']).toEqual({
      class_name: 'GlorotUniform',
      config: { seed: null },
    });
    expect(JSON.stringify(topology)).not.toContain('"module"');
  });

  it('builds in tfjs with Keras`s parameter count (306)', async () => {
    const model = await loadKerasModel(JSON.parse(FUNCTIONAL) as object);
    expect(model.countParams()).toBe(306);
    expect(model.outputs.map((o) => o.shape)).toEqual([
      [null, 2],
      [null, 3],
    ]);
  });
});

describe('loadKerasModel sources', () => {
  it('a .keras archive (zip) through any FileSystem', async () => {
    const fs2 = new MemoryFileSystem();
    await fs2.writeFile(
      '/m.keras',
      zipSync({ 'metadata.json': strToU8('{"keras_version":"3.15.1"}'), 'config.json': strToU8(FUNCTIONAL) }),
    );
    const model = await loadKerasModel('/m.keras', { fs: fs2 });
    expect(model.countParams()).toBe(306);
  });

  it('a Keras 2 JSON: hard_sigmoid keeps Keras 2`s meaning, clip(0.2x + 0.5, 0, 1)', async () => {
    const model = await loadKerasModel(new TextEncoder().encode(JSON.stringify(KERAS2_SEQUENTIAL)));
    expect(model.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Dense']);
    const y = (model.predict(tf.tensor2d([[-1, 0, 1]])) as tf.Tensor).dataSync();
    expect(Array.from(y)).toEqual([0.3, 0.5, 0.7].map((v) => Math.fround(v)));
  });

  it('bad sources fail with typed errors', async () => {
    await expect(loadKerasModel(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]))).rejects.toBeInstanceOf(
      CorruptCheckpointError,
    );
    await expect(loadKerasModel(new TextEncoder().encode('{"hello": 1}'))).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(loadKerasModel(new TextEncoder().encode('not json'))).rejects.toBeInstanceOf(CorruptCheckpointError);
  });
});

describe('a tfjs Sequential that starts with tf.layers.inputLayer', () => {
  // Keras's Sequential never lists its InputLayer: the model with one must name its layers as the model without.
  const build = (explicitInput: boolean): tf.Sequential =>
    tf.sequential({
      layers: [
        ...(explicitInput ? [tf.layers.inputLayer({ inputShape: [12] })] : []),
        tf.layers.dense({ units: 32, ...(explicitInput ? {} : { inputShape: [12] }) }),
        tf.layers.reLU(),
        tf.layers.dense({ units: 16 }),
        tf.layers.dense({ units: 5 }),
      ],
    });

  for (const layout of ['keras2', 'keras3'] as const) {
    it(`saves under the same ${layout} keys as the model without it`, async () => {
      const fs2 = new MemoryFileSystem();
      const keys: string[][] = [];
      for (const explicitInput of [false, true]) {
        const prefix = `/${layout}-${explicitInput}/ckpt`;
        await new Checkpoint({ model: build(explicitInput) }).write(prefix, { fs: fs2, layout });
        const reader = await CheckpointReader.open(prefix, { fs: fs2 });
        keys.push(reader.keys().map((k) => `${k} ${JSON.stringify(reader.entry(k).shape)}`));
        await reader.close();
      }
      expect(keys[1]).toEqual(keys[0]);
      expect(
        keys[0]!.some((k) => k.includes('dense') || k.includes('layer_with_weights-2') || k.includes('_operations/4')),
      ).toBe(true);
    });
  }

  it('a Keras 2 JSON (tfjs`s own toJSON) passes through unchanged in structure', async () => {
    const model = build(true);
    const json = model.toJSON(null, false) as unknown as object;
    const topology = kerasToTfjsTopology(json);
    const rebuilt = await tf.models.modelFromJSON({ modelTopology: topology } as never);
    expect(rebuilt.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    expect(rebuilt.countParams()).toBe(model.countParams());
  });
});
