import * as path from 'node:path';
import * as fs from 'node:fs';

import * as tf from '@tensorflow/tfjs';

import { readModelJson } from './json';

/** The tfjs model that `tfjs-checkpoint convert … --out dir` wrote (model.json + weights.bin), loaded by tfjs. */
export async function loadConverted(dir: string): Promise<tf.LayersModel> {
  const json = readModelJson(path.join(dir, 'model.json'));
  const bin = fs.readFileSync(path.join(dir, 'weights.bin'));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length),
    }),
  );
}
