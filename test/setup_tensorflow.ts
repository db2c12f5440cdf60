// The tensorflow jest project: tfjs on TensorFlow's own kernels through @tensorflow/tfjs-node (see jest.config.js).
// TensorFlow's environment (quiet start-up, no oneDNN) is set in jest.config.js: a test file's process.env is a copy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tf = require('@tensorflow/tfjs-node') as typeof import('@tensorflow/tfjs');
if (tf.getBackend() !== 'tensorflow') throw new Error(`tfjs-node loaded but the backend is ${tf.getBackend()}`);
