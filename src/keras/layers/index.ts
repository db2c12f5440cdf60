/**
 * The weighted Keras layers tfjs lacks, as tfjs layers registered with tf.serialization so that tfjs's
 * deserialization (tf.loadLayersModel, tf.models.modelFromJSON, Bidirectional's copies) finds them by class name,
 * and with Keras's checkpoint names so that TensorFlow checkpoints restore into them.
 */
import * as tfc from '@tensorflow/tfjs-core';

import { EinsumDense } from './einsum_dense';
import { KerasGRU, KerasGRUCell } from './gru';
import { LayerScale } from './layer_scale';
import { MultiHeadAttention } from './multi_head_attention';
import { Normalization } from './normalization';
import { registerKerasLayerChildren } from './trackable';

export { EinsumDense, type EinsumDenseArgs } from './einsum_dense';
export { KerasGRU, type KerasGRUArgs, KerasGRUCell, type KerasGRUCellArgs } from './gru';
export { LayerScale, type LayerScaleArgs } from './layer_scale';
export { MultiHeadAttention, type MultiHeadAttentionArgs } from './multi_head_attention';
export { Normalization, type NormalizationArgs } from './normalization';

export const KERAS_LAYER_CLASSES = [
  KerasGRUCell,
  KerasGRU,
  Normalization,
  EinsumDense,
  MultiHeadAttention,
  LayerScale,
] as const;

let registered = false;

/** Registers the classes and their checkpoint names once; later calls do nothing. */
export function registerKerasLayers(): void {
  if (registered) return;
  registered = true;
  for (const cls of KERAS_LAYER_CLASSES)
    tfc.serialization.registerClass(
      cls as unknown as tfc.serialization.SerializableConstructor<tfc.serialization.Serializable>,
    );
  registerKerasLayerChildren();
}
