/**
 * In a browser, with no server: the user picks the checkpoint folder (`<input type="file" webkitdirectory>`), the
 * page lists it, builds a tfjs model from it, and saves a checkpoint back as files. Node has the browser's File, so
 * this runs here on the bundled checkpoint.  Run: npx tsx examples/browser_files.ts
 * The regions are the API reference's examples (`npm run docs`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {
  BlobFileSystem,
  Checkpoint,
  CheckpointReader,
  fromCheckpoint,
  listVariables,
  MemoryFileSystem,
  saveToSink,
} from 'tfjs-checkpoint';

/** What `input.files` holds after the user picks the folder examples/data/mlp: Files with their relative paths. */
function pickedFolder(): File[] {
  const dir = path.join(__dirname, 'data', 'mlp');
  return fs.readdirSync(dir).map((name) => {
    const file = new File([fs.readFileSync(path.join(dir, name))], name);
    Object.defineProperty(file, 'webkitRelativePath', { value: `mlp/${name}` });
    return file;
  });
}

export async function main(
  files: File[] = pickedFolder(),
): Promise<{ predictions: number[][]; saved: string[]; savedKeys: string[] }> {
  // #region BlobFileSystem
  // files: input.files of <input type="file" webkitdirectory>; for a drop, BlobFileSystem.fromDataTransfer(event.dataTransfer).
  const picked = new BlobFileSystem(files);
  for (const [key, shape] of await listVariables('mlp', { fs: picked })) console.log(key, shape); // reads with Blob.slice
  // #endregion BlobFileSystem

  // #region fromCheckpoint
  // A tfjs model.json's topology (or a Keras model.to_json()) with the weights of the picked checkpoint.
  const topologyFile = files.find((f) => f.name === 'model.json');
  if (topologyFile === undefined) throw new Error('model.json was not picked');
  const topology = JSON.parse(await topologyFile.text()) as object;
  const model = await tf.loadLayersModel(fromCheckpoint(files, { topology }));
  // #endregion fromCheckpoint

  const expected = JSON.parse(fs.readFileSync(path.join(__dirname, 'data', 'mlp', 'expected.json'), 'utf8')) as {
    input: number[][];
  };
  const predictions = (await (model.predict(tf.tensor(expected.input)) as tf.Tensor).array()) as number[][];
  console.log('prediction:', predictions[0]);

  // #region saveToSink
  // Each file of the checkpoint to a sink: an upload, IndexedDB, or downloadSink() for the downloads folder.
  const uploads = new Map<string, Uint8Array>();
  const saved = await saveToSink(new Checkpoint({ model }), (name, bytes) => void uploads.set(name, bytes));
  console.log('saved', saved); // ['checkpoint', 'ckpt.data-00000-of-00001', 'ckpt.index']
  // #endregion saveToSink

  // What was saved opens as a checkpoint (here from memory).
  const reader = await CheckpointReader.open('ckpt', { fs: new MemoryFileSystem(uploads) });
  const savedKeys = reader.keys();
  await reader.close();
  return { predictions, saved, savedKeys };
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.exitCode = 1;
    console.error(e);
  });
}
