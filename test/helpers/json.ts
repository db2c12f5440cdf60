/** JSON files the tests read, typed as the writers (tfjs, generate.py, the examples) lay them out. */
import * as fs from 'node:fs';

import type * as tf from '@tensorflow/tfjs';

/** A tfjs `model.json` as `convert` and `tf.io` write it. */
export interface ModelJson {
  modelTopology: object;
  weightsManifest: tf.io.WeightsManifestConfig;
}

/** examples/data/mlp/expected.json: Keras's predictions for `input`. */
export interface ExpectedPredictions {
  input: number[][];
  predictions: number[][];
}

export function readModelJson(file: string): ModelJson {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
}

export function readExpectedPredictions(file: string): ExpectedPredictions {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ExpectedPredictions;
}
