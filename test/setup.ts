// The tfjs CPU backend advises installing tfjs-node on its first tensor; tests run on the CPU backend on purpose.
import * as tf from '@tensorflow/tfjs';

const warn = console.warn;
console.warn = (...args: unknown[]): void => {
  if (!String(args[0]).includes('looks like you are running TensorFlow.js in Node.js')) warn(...args);
};
tf.tidy(() => tf.scalar(0));
console.warn = warn;
