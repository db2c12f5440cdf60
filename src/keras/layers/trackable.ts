/**
 * Checkpoint children of the Keras layers whose Keras objects hold sublayers or name weights by attribute, as
 * Keras 2 and Keras 3 write them with tf.train.Checkpoint:
 *  MultiHeadAttention: `_query_dense`, `_key_dense`, `_value_dense`, `_output_dense` (and `_gate_dense`), each an
 *                      EinsumDense whose weights the generic rules name (`_kernel`/`kernel`, `bias`);
 *  Normalization:      `adapt_mean`, `adapt_variance`, `count` (only when the statistics are weights); Keras 2 also
 *                      lists the same variables as `mean` and `variance`.
 * KerasGRU (`cell`, then the cell's `kernel`, `recurrent_kernel`, `bias`), EinsumDense and LayerScale (`gamma`)
 * follow the generic rules.
 */
import type * as tfc from '@tensorflow/tfjs-core';

import { at, present } from '../../checked';
import { type Restorable, restorableAttributes, tensorFor, VARIABLE_VALUE } from '../../trackable';
import { registerLayerChildren } from '../trackables';
import type { MultiHeadAttention } from './multi_head_attention';
import type { Normalization } from './normalization';

// A WeakMap: one stand-in per layer (identity matters to matching), freed with the layer.
const countStandIns = new WeakMap<Normalization, object>();

/**
 * Normalization's `count` as Keras stores it: int64. tfjs has no int64, so the layer holds it as int32; this
 * stand-in restores int64 (or int32) values into it and saves it as int64, so TensorFlow restores it into Keras.
 */
function countOf(norm: Normalization): object {
  let standIn = countStandIns.get(norm);
  if (standIn === undefined) {
    const variable = (): tfc.Variable =>
      present(norm.count, 'Normalization count (build() makes it)').read() as unknown as tfc.Variable;
    const restorable: Restorable = {
      shape: [],
      dtype: 'int32',
      prepare(value, path) {
        const t = tensorFor(value, [], 'int32', path);
        return {
          commit: () => {
            variable().assign(t);
            t.dispose();
          },
          discard: () => t.dispose(),
        };
      },
      read: () =>
        Promise.resolve({
          dtype: 'int64',
          shape: [],
          data: BigInt64Array.of(BigInt(at(variable().dataSync(), 0, 'Normalization count'))),
        }),
    };
    standIn = { [restorableAttributes]: () => new Map([[VARIABLE_VALUE, restorable]]) };
    countStandIns.set(norm, standIn);
  }
  return standIn;
}

export function registerKerasLayerChildren(): void {
  registerLayerChildren('MultiHeadAttention', (layer) => {
    const mha = layer as unknown as MultiHeadAttention;
    const children: Array<[string, unknown]> = [
      ['_query_dense', mha.queryDense],
      ['_key_dense', mha.keyDense],
      ['_value_dense', mha.valueDense],
      ['_output_dense', mha.outputDense],
      ['_gate_dense', mha.gateDense],
    ];
    return children.filter(([, sub]) => sub !== null);
  });
  registerLayerChildren('Normalization', (layer, names) => {
    const norm = layer as unknown as Normalization;
    if (norm.mean === null) return [];
    const count = countOf(norm);
    if (names === 'keras3')
      return [
        ['adapt_mean', norm.mean],
        ['adapt_variance', norm.variance],
        ['count', count],
      ];
    return [
      ['mean', norm.mean],
      ['adapt_mean', norm.mean],
      ['variance', norm.variance],
      ['adapt_variance', norm.variance],
      ['count', count],
    ];
  });
}
