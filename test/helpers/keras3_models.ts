/** tfjs models built like the Keras 3 models of test/fixtures/generate.py, so their checkpoints restore into them. */
import * as tf from '@tensorflow/tfjs';

const L = tf.layers;

/** The tfjs models equivalent to generate.py's Keras 3 ones (Keras's sigmoid recurrent activation made explicit). */
export const KERAS3: Record<string, () => tf.LayersModel> = {
  'k3-sequential-dense-bn': () =>
    tf.sequential({
      layers: [
        L.dense({ units: 16, activation: 'relu', inputShape: [6] }),
        L.batchNormalization(),
        L.dense({ units: 4, activation: 'softmax' }),
      ],
    }),
  'k3-functional-conv': () => {
    const x = tf.input({ shape: [12, 12, 3] });
    let y = L.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    y = L.batchNormalization().apply(y) as tf.SymbolicTensor;
    y = L.maxPooling2d({}).apply(y) as tf.SymbolicTensor;
    y = L.flatten().apply(y) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: L.dense({ units: 5 }).apply(y) as tf.SymbolicTensor });
  },
  // A subclassed Keras model: its attributes become the tfjs layers' names.
  'k3-subclassed-embed-lstm': () => {
    const x = tf.input({ shape: [9] });
    let y = L.embedding({ inputDim: 50, outputDim: 8, name: 'embed' }).apply(x) as tf.SymbolicTensor;
    y = L.lstm({ units: 6, recurrentActivation: 'sigmoid', name: 'lstm', recurrentInitializer: 'zeros' }).apply(
      y,
    ) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: L.dense({ units: 3, name: 'out' }).apply(y) as tf.SymbolicTensor });
  },
  'k3-rnn-gru-bilstm': () =>
    tf.sequential({
      layers: [
        L.gru({
          units: 6,
          returnSequences: true,
          recurrentActivation: 'sigmoid',
          inputShape: [7, 5],
          recurrentInitializer: 'zeros',
        }),
        L.bidirectional({ layer: L.lstm({ units: 4, recurrentActivation: 'sigmoid', recurrentInitializer: 'zeros' }) }),
        L.dense({ units: 2 }),
      ],
    }),
};
