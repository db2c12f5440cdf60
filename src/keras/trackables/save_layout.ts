/**
 * What a save writes for tfjs objects. Restoring accepts every name Keras ever used; saving must pick one layout:
 *  - 'keras2' (default): what tf_keras `save_weights` and TF ≤ 2.15 write and read — `layer_with_weights-K` and
 *    `layer-I` edges, weights under `kernel`, `bias`, …, legacy optimizer (`iter`, hyper-parameters, slot variables);
 *  - 'keras3': what Keras 3 on TensorFlow writes with tf.train.Checkpoint — `_functional/_operations/I` (Sequential)
 *    or `_operations/I`, `_kernel`/`_embeddings`, optimizer `_iterations`, `_learning_rate`, `_variables` and slot lists.
 * Objects that are not tfjs models, layers or optimizers keep their ordinary children.
 */
import { InvalidArgumentError } from '../../errors';
import type { ChildListing } from '../../graph';
import type { KerasNames } from './naming';

/** Which Keras naming a saved checkpoint uses: `'keras2'` (tf_keras, TF ≤ 2.15) or `'keras3'`. */
export type KerasLayout = Exclude<KerasNames, 'all'>;

declare module '../../graph/live_objects' {
  /** SaveOptions.layout takes Keras's layouts. */
  interface SaveLayouts {
    keras2: true;
    keras3: true;
  }
}

/** The Keras names a listing asks for: every name for views and restores, one layout for saves. */
export function kerasNamesFor(listing: ChildListing): KerasNames {
  if (listing.mode !== 'save') return 'all';
  const layout: string = listing.layout ?? 'keras2';
  if (layout !== 'keras2' && layout !== 'keras3') {
    throw new InvalidArgumentError(`Unknown save layout '${layout}' for tfjs models: expected 'keras2' or 'keras3'`);
  }
  return layout;
}
